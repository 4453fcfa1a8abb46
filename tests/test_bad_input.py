"""Bad input on every write: each field of each valid body replaced by something hostile.

For every write endpoint of the permission matrix (and the few writes outside a team),
and for every field of its valid body, the body is posted as an admin with that one
field replaced by a NUL byte, a megabyte, a bidi override, an impossible date, an id
from the team next door, a negative number or a number no column holds. Whatever the
answer, it is never a 500; an answer of 400 or more changes nothing; and whatever a
success saved holds none of the hostile values (no NUL, no megabyte, no bidi control
in a one-line name, no row of this team pointing at the other team's member).

Each post runs in a savepoint rolled back afterwards, so one world serves every field.
"""

from dataclasses import replace

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import reverse

from sessions.models import Attendance, Invitation, Membership

from . import test_permissions as permissions
from .factories import (
    DayFactory,
    MemberLogFactory,
    MembershipFactory,
    StudyLinkFactory,
    UserFactory,
    session_form,
)
from .rows import every_row
from .test_permissions import (
    ENDPOINTS,
    ITEM_FACTORIES,
    POST,
    Endpoint,
    _prepare,
    schedule_two_dates,
    team_url,
)

# The team settings body names a webhook host, looked up at each post: never on the network.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_dns")]

# The permission matrix's world (team alpha, its day and items, a moderator) and
# conftest's cast in it, written once for this module too (see its `world_rows`).
world_rows, cast, world = permissions.world_rows, permissions.cast, permissions.world
team, day, other_team = permissions.team, permissions.day, permissions.other_team
team_admin, team_member = permissions.team_admin, permissions.team_member
team_observer, team_moderator = permissions.team_observer, permissions.team_moderator
outsider, as_moderator = permissions.outsider, permissions.as_moderator

MEGABYTE = 1024 * 1024
BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "abc\u202egpj.exe" reads "abcexe.jpg"

# Characters that make text display in another order than it is stored.
BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"

# Model fields shown on one line as someone's or something's name: no bidi controls there.
ONE_LINE_NAMES = {
    "peer.Team": {"name", "course", "mentor"},
    "peer.Membership": {"display_name"},
    "peer.Day": {"title", "tags"},
    "peer.AssignmentReview": {"assignment", "topic"},
    "peer.FreeSection": {"heading"},
    "peer.StudyLink": {"title"},
    "peer.SkippedDate": {"reason"},
    "peer.Attendance": {"note"},
    "peer.ActionItem": {"text"},
    "auth.User": {"username", "first_name", "last_name"},
}


# --- the world's hostile values ---------------------------------------------------------


@pytest.fixture
def beta(other_team, outsider, world):
    """Team "beta": its admin, a member, a day on alpha's date with attendance, a log
    with a link and one item of every kind. Their ids are the "other team's ids"."""
    member = MembershipFactory(team=other_team, display_name="베타멤버")
    day = DayFactory(team=other_team, date=world.day.date, number=1)
    Attendance.objects.create(day=day, member=member)
    log = MemberLogFactory(day=day, member=member)
    StudyLinkFactory(log=log)
    for make in ITEM_FACTORIES.values():
        make(day=day)
    return member


BAD_VALUES = {
    "nul": lambda w, beta: "가나\x00다",
    "megabyte": lambda w, beta: "가" * (MEGABYTE // 3 + 1),  # over 1 MB in UTF-8
    "bidi": lambda w, beta: f"정상{BIDI}exe.txt",
    "impossible-date": lambda w, beta: "2024-02-30",
    "other-teams-id": lambda w, beta: str(beta.pk),
    "negative": lambda w, beta: "-1",
    "overflow": lambda w, beta: "99999999999999999999",
}


# --- write endpoints beyond the matrix's minimal bodies ---------------------------------


def full_settings_body(w) -> dict:
    """Team settings with the calendar, reminder and footer fields too."""
    return {
        "name": "알파팀",
        "slug": w.team.slug,
        "course": "boostcourse",
        "mentor": "홍멘토",
        "language": "ko",
        "description": "팀 소개",
        "ground_rules": "규칙",
        "calendar": "True",
        "starts_on": "2024-03-04",
        "session_weekdays": ["0", "2"],
        "session_start": "16:00",
        "session_end": "17:30",
        "timezone": "Asia/Seoul",
        "rotation": "name",
        "webhook_url": "https://example.com/hook",
        "post_footer": "꼬리말",
    }


def people_item_body(kind: str):
    """An item body that also picks members (the pickers the matrix's bodies leave empty)."""
    extra = {
        "question": lambda w: {
            "asked_by": str(w.member.pk),
            "answered_by": str(w.admin.pk),
            "needs_follow_up": "on",
            "for_mentor": "on",
        },
        "review": lambda w: {"presenters": [str(w.member.pk)]},
        "action": lambda w: {"owner": str(w.member.pk), "due_date": "2024-03-11"},
    }[kind]
    fields = {
        "question": {"question": "질문", "answer": "답", "links": "https://example.com"},
        "review": {"assignment": "과제 1", "topic": "주제", "notes": "메모"},
        "action": {"text": "할 일"},
    }[kind]
    return lambda w: {**fields, "version": "1", **extra(w)}


def item_edit_url(kind: str):
    def build(w):
        kwargs = {"team": w.team.slug, "date": w.day.date, "kind": kind, "pk": w.items[kind][0].pk}
        return reverse("peer:item_edit", kwargs=kwargs)

    return build


def item_create_url(kind: str):
    return lambda w: reverse(
        "peer:item_create", kwargs={"team": w.team.slug, "date": w.day.date, "kind": kind}
    )


def session_with_notes_body(w) -> dict:
    """The session with a note on every attendance row (and a day field the form does
    not have, ignored), and the row ids."""
    data = session_form(w.day, moderator=str(w.moderator.pk), title="제목", tags="파이썬")
    for i in range(int(data["attendance-TOTAL_FORMS"])):
        data |= {
            f"attendance-{i}-status": "late",
            f"attendance-{i}-note": "지각",
            f"attendance-{i}-day": str(w.day.pk),
        }
    return data


def log_with_links_body(w) -> dict:
    """A log whose second link is ordered and then deleted (every formset field)."""
    return {
        "retrospective": "회고",
        "visibility": "private",
        "version": "0",
        "links-TOTAL_FORMS": "2",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "30",
        "links-0-title": "강의",
        "links-0-url": "https://example.com/a",
        "links-0-color": "blue",
        "links-0-ORDER": "2",
        "links-1-title": "지울 링크",
        "links-1-url": "https://example.com/b",
        "links-1-color": "red",
        "links-1-ORDER": "1",
        "links-1-DELETE": "on",
    }


def new_day_full_body(w) -> dict:
    return {
        "date": "2024-03-06",
        "date_confirm": "2024-03-06",  # far from today's clock: confirmed
        "number": "3",
        "moderator": str(w.member.pk),
        "title": "셋째 날",
        "tags": "그래프",
    }


def member_edit_other_url(w) -> str:
    return reverse("peer:member_edit", kwargs={"team": w.team.slug, "member": w.name_only.pk})


def invitation_accept_url(w) -> str:
    invitation = Invitation.objects.create(team=w.team, role="member", created_by=None)
    return reverse("peer:invitation_accept", kwargs={"token": invitation.token})


def accept_body(w) -> dict:
    return {"display_name": "새로 온 사람"}


def signup_body(w) -> dict:
    return {
        "username": "newcomer",
        "email": "new@example.com",
        "password1": "aVeryLongPassw0rd!",
        "password2": "aVeryLongPassw0rd!",
        "next": "/",
    }


def team_create_body(w) -> dict:
    return {"name": "새 팀", "slug": "new-team", "course": "boostcourse", "language": "ko"}


def mentor_and_follow_up(w) -> None:
    from sessions.models import Question

    Question.objects.filter(pk=w.items["question"][0].pk).update(
        needs_follow_up=True, for_mentor=True
    )


EXTRA = [
    Endpoint("settings-full", POST, team_url("team_settings"), "admin", full_settings_body, 302),
    Endpoint("member-edit-name-only", POST, member_edit_other_url, "admin",
             lambda w: {"display_name": "정이름", "role": "member", "is_active": "on",
                        "rotation_order": "3"}, 302),
    Endpoint("day-create-full", POST, team_url("day_create"), "write", new_day_full_body, 302),
    Endpoint("session-edit-notes", POST, lambda w: reverse(
        "peer:session_edit", kwargs={"team": w.team.slug, "date": w.day.date}),
        "write", session_with_notes_body, 200),
    Endpoint("log-edit-links", POST, lambda w: reverse(
        "peer:log_edit", kwargs={"team": w.team.slug, "date": w.day.date}),
        "write", log_with_links_body, 200),
    *(
        Endpoint(f"{kind}-{verb}-people", POST, url(kind), "write", people_item_body(kind), 200)
        for kind in ("question", "review", "action")
        for verb, url in (("create", item_create_url), ("edit", item_edit_url))
    ),
    Endpoint("invitation-accept", POST, invitation_accept_url, "read", accept_body, 302),
    Endpoint("signup", POST, lambda w: reverse("peer:signup"), "read", signup_body, 302),
    Endpoint("team-create", POST, lambda w: reverse("peer:team_create"), "read",
             team_create_body, 302),
]  # fmt: skip

# Matrix rows whose every field an extra row above posts too (and more): fuzzing both
# would only post the same fields twice.
SUPERSEDED = {
    "settings": "settings-full",
    "day-create": "day-create-full",
    "session-edit": "session-edit-notes",
    "log-edit": "log-edit-links",
}

# Writes that need a body: the matrix's, the schedule's with both dates scheduled.
WRITES = [
    replace(e, prepare=e.prepare or schedule_two_dates) if e.name.startswith("schedule-") else e
    for e in [*ENDPOINTS, *EXTRA]
    if e.method == POST and e.body is not None and e.name not in SUPERSEDED
]

# Who posts: a visitor signs up, someone new to the team accepts the invitation; the
# rest is alpha's admin.
ANONYMOUS = {"signup"}
NEWCOMER = {"invitation-accept"}


# --- what must hold ---------------------------------------------------------------------


def snapshot() -> dict:
    """Every row of every Studylog table, and the users (tests/rows.py)."""
    return every_row()


def changed_rows(before: dict, after: dict):
    """(label, row) for every row added or changed between two snapshots."""
    for label, rows in after.items():
        old = {row["id"]: row for row in before.get(label, [])}
        for row in rows:
            if old.get(row["id"]) != row:
                yield label, row


def _alpha_rows_pointing_at(beta_member: Membership, label: str, row: dict) -> list[str]:
    """Columns of an alpha row that hold beta's member (a row outside alpha is beta's)."""
    model = apps.get_model(label)
    hits = []
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is Membership:
            if row.get(field.attname) == beta_member.pk:
                hits.append(field.name)
    if not hits:
        return []
    team_id = _team_of(model, row)
    return hits if team_id != beta_member.team_id else []


def _team_of(model, row: dict):
    """The team a row belongs to, following its day, log or member as needed."""
    from sessions.models import AssignmentReview, Day, MemberLog

    if "team_id" in row:
        return row["team_id"]
    if "day_id" in row:
        return Day.objects.filter(pk=row["day_id"]).values_list("team_id", flat=True).first()
    if "log_id" in row:
        log = MemberLog.objects.filter(pk=row["log_id"]).values_list("day__team_id", flat=True)
        return log.first()
    if "assignmentreview_id" in row:
        reviews = AssignmentReview.objects.filter(pk=row["assignmentreview_id"])
        return reviews.values_list("day__team_id", flat=True).first()
    return None


def problems_in_saved_rows(before: dict, after: dict, beta_member: Membership) -> list[str]:
    found = []
    for label, row in changed_rows(before, after):
        for name, value in row.items():
            if not isinstance(value, str):
                continue
            if "\x00" in value:
                found.append(f"{label}.{name} holds a NUL byte")
            if len(value) >= MEGABYTE // 3:
                found.append(f"{label}.{name} holds {len(value)} characters")
            if name in ONE_LINE_NAMES.get(label, ()) and any(c in value for c in BIDI_CONTROLS):
                found.append(f"{label}.{name} holds a bidi control: {value!r}")
        for name in _alpha_rows_pointing_at(beta_member, label, row):
            found.append(f"{label}.{name} points at the other team's member")
    return found


def fields_of(body: dict) -> list[str]:
    return [name for name in body if not name.endswith(("TOTAL_FORMS", "INITIAL_FORMS"))]


@pytest.mark.parametrize("endpoint", WRITES, ids=[e.name for e in WRITES])
def test_a_hostile_field_is_refused_or_harmless(endpoint, world, beta, as_admin):
    client = as_admin
    if endpoint.name in ANONYMOUS:
        client = Client()
    elif endpoint.name in NEWCOMER:
        client = Client()
        client.force_login(UserFactory(username="newcomer"))
    _prepare(endpoint, world)
    url = endpoint.url(world)
    valid = endpoint.body(world)
    before = snapshot()  # the database before every post: each is rolled back
    failures = []
    for bad, make in BAD_VALUES.items():
        value = make(world, beta)
        for name in fields_of(valid):
            body = {**valid, name: [value] if isinstance(valid[name], list) else value}
            problems = _post_and_check(client, url, body, before, beta)
            failures += [f"{bad} in {name}: {p}" for p in problems]
    assert not failures, "\n".join(failures)


def _post_and_check(client, url, body, before: dict, beta) -> list[str]:
    """Post in a savepoint that is rolled back, to the database `before` holds; what went
    wrong, if anything."""
    with transaction.atomic():
        try:
            response = client.post(url, body)
        except Exception as exc:  # the test client re-raises what the view raised
            problems = [f"{type(exc).__name__}: {exc}"[:300]]
        else:
            after = snapshot()
            status = response.status_code
            if status >= 500:
                problems = [f"answered {status}"]
            elif status >= 400 and after != before:
                problems = [f"answered {status} but the database changed"]
            else:
                problems = problems_in_saved_rows(before, after, beta)
        transaction.set_rollback(True)
    return problems


def test_every_write_endpoint_is_fuzzed(world):
    """A new write in the matrix is fuzzed too (its valid body is all this test needs);
    a row left out is one whose fields an extra row posts, every one of them."""
    posted = {e.name for e in ENDPOINTS if e.method == POST and e.body is not None}
    assert len(posted) >= 30
    assert posted - set(SUPERSEDED) <= {e.name for e in WRITES}
    rows = {e.name: e for e in [*ENDPOINTS, *EXTRA]}
    for row, superset in SUPERSEDED.items():
        fields = set(rows[row].body(world)) - {"version"}
        assert fields <= set(rows[superset].body(world)), row
