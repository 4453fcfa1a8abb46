"""Bad input aimed at particular forms: tampered formsets, ids from the team next door,
bidi controls in names, impossible and extreme dates, and broken files to import.

A refused post answers with the error beside the field (422, or the page again with
200 for plain page forms), keeps what was typed, and saves nothing.
"""

import datetime
import io
import zipfile
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from sessions.forms.logs import StudyLinkFormSet
from sessions.markdown import render_markdown
from sessions.models import (
    ActionItem,
    AssignmentReview,
    Attendance,
    Day,
    Membership,
    SkippedDate,
    StudyLink,
    Team,
)
from sessions.models.validators import validate_one_line

from . import test_permissions as permissions
from .factories import (
    DayFactory,
    MemberLogFactory,
    MembershipFactory,
    StudyLinkFactory,
)
from .test_bad_input import snapshot
from .test_permissions import (
    ITEM_FACTORIES,
    log_body,
    schedule_two_dates,
    session_body,
)

pytestmark = pytest.mark.django_db

# The permission matrix's world (team alpha, its day and items, a moderator) and
# conftest's cast in it, written once for this module too (see its `world_rows`).
world_rows, cast, world = permissions.world_rows, permissions.cast, permissions.world
team, day, other_team = permissions.team, permissions.day, permissions.other_team
team_admin, team_member = permissions.team_admin, permissions.team_member
team_observer, team_moderator = permissions.team_observer, permissions.team_moderator
outsider, as_moderator = permissions.outsider, permissions.as_moderator

RLO, LRI, PDI, RLM = "\u202e", "\u2066", "\u2069", "\u200f"


@pytest.fixture
def beta(other_team, outsider, world):
    """Beta's member, day (on alpha's date), attendance, log with a link, and items."""
    member = MembershipFactory(team=other_team, display_name="베타멤버")
    day = DayFactory(team=other_team, date=world.day.date, number=1)
    attendance = Attendance.objects.create(day=day, member=member)
    log = MemberLogFactory(day=day, member=member)
    link = StudyLinkFactory(log=log)
    items = {kind: make(day=day) for kind, make in ITEM_FACTORIES.items()}
    return type(
        "Beta",
        (),
        {"member": member, "day": day, "attendance": attendance, "link": link, "items": items},
    )


def day_url(w, name: str) -> str:
    return reverse(f"peer:{name}", kwargs={"team": w.team.slug, "date": w.day.date})


def item_url(w, name: str, kind: str, pk: int | None = None) -> str:
    kwargs = {"team": w.team.slug, "date": w.day.date, "kind": kind}
    if pk is not None:
        kwargs["pk"] = pk
    return reverse(f"peer:{name}", kwargs=kwargs)


# --- tampered formsets ------------------------------------------------------------------

# (what is done to the management form, how many forms the formset may build at most)
TAMPERING = {
    "total-missing": lambda data, p: data.pop(f"{p}-TOTAL_FORMS"),
    "initial-missing": lambda data, p: data.pop(f"{p}-INITIAL_FORMS"),
    "both-missing": lambda data, p: [data.pop(f"{p}-TOTAL_FORMS"), data.pop(f"{p}-INITIAL_FORMS")],
    "total-not-a-number": lambda data, p: data.update({f"{p}-TOTAL_FORMS": "abc"}),
    "total-nul": lambda data, p: data.update({f"{p}-TOTAL_FORMS": "1\x00"}),
    "total-huge": lambda data, p: data.update({f"{p}-TOTAL_FORMS": "100000"}),
    "total-overflow": lambda data, p: data.update({f"{p}-TOTAL_FORMS": "9" * 20}),
    "total-negative": lambda data, p: data.update({f"{p}-TOTAL_FORMS": "-1"}),
    "initial-over-total": lambda data, p: data.update({f"{p}-INITIAL_FORMS": "7"}),
    "initial-huge": lambda data, p: data.update({f"{p}-INITIAL_FORMS": "100000"}),
    "initial-overflow": lambda data, p: data.update({f"{p}-INITIAL_FORMS": "9" * 20}),
    "initial-negative": lambda data, p: data.update({f"{p}-INITIAL_FORMS": "-5"}),
    "max-lowered": lambda data, p: data.update({f"{p}-MAX_NUM_FORMS": "0"}),
}


def _rows(model, **filters) -> list:
    return list(model.objects.filter(**filters).order_by("pk").values())


@pytest.mark.parametrize("tamper", list(TAMPERING))
def test_a_tampered_attendance_formset_adds_and_changes_no_row(tamper, world, as_admin):
    """The attendance formset has one form per existing row, whatever the post claims:
    no row is added, none is changed unless the post is valid, and a huge count does
    not make the server build that many forms."""
    url = day_url(world, "session_edit")
    # Every participant has a row, as after the session's first save.
    newcomers = world.team.memberships.participants().exclude(attendances__day=world.day)
    Attendance.objects.bulk_create(Attendance(day=world.day, member=m) for m in newcomers)
    data = session_body(world)
    TAMPERING[tamper](data, "attendance")
    rows_before = _rows(Attendance, day=world.day)
    before = snapshot()
    response = as_admin.post(url, data)
    assert response.status_code in (200, 422), response.status_code
    if response.status_code == 422:
        assert snapshot() == before
        assert len(response.context["formset"].forms) <= len(rows_before)
    rows_after = _rows(Attendance, day=world.day)
    assert [r["id"] for r in rows_after] == [r["id"] for r in rows_before]
    assert {r["member_id"] for r in rows_after} == {r["member_id"] for r in rows_before}


@pytest.mark.parametrize("tamper", list(TAMPERING))
def test_a_tampered_links_formset_saves_nothing_or_only_what_was_posted(tamper, world, as_admin):
    url = day_url(world, "log_edit")
    data = log_body(world)
    TAMPERING[tamper](data, "links")
    before = snapshot()
    response = as_admin.post(url, data)
    assert response.status_code in (200, 422), response.status_code
    if response.status_code == 422:
        assert snapshot() == before
        assert len(response.context["formset"].forms) <= StudyLinkFormSet.max_num
    else:  # at most the one link that was posted
        assert StudyLink.objects.filter(log__day=world.day).count() <= 1


def test_more_links_than_allowed_is_a_form_error(world, as_admin):
    data = log_body(world) | {"links-TOTAL_FORMS": "31"}
    for i in range(31):
        data |= {
            f"links-{i}-title": f"링크 {i}",
            f"links-{i}-url": f"https://example.com/{i}",
            f"links-{i}-color": "red",
        }
    before = snapshot()
    response = as_admin.post(day_url(world, "log_edit"), data)
    assert response.status_code == 422
    assert response.context["formset"].non_form_errors()
    assert snapshot() == before


def test_a_missing_management_form_is_an_error_on_the_page(world, as_admin, english):
    data = log_body(world)
    for key in [k for k in data if k.endswith("_FORMS")]:
        del data[key]
    response = as_admin.post(day_url(world, "log_edit"), data)
    assert response.status_code == 422
    assert "ManagementForm data is missing" in str(response.context["formset"].non_form_errors())
    assert "오늘의 회고" in response.content.decode()  # what was typed is still there


# --- ids from the team next door ---------------------------------------------------------


def test_another_teams_attendance_row_cannot_be_edited(world, beta, as_admin):
    url = day_url(world, "session_edit")
    as_admin.get(url)
    data = session_body(world)
    data["attendance-0-id"] = str(beta.attendance.pk)
    data["attendance-0-status"] = "absent"
    before = snapshot()
    response = as_admin.post(url, data)
    assert response.status_code == 422
    assert snapshot() == before


def test_another_teams_study_link_cannot_be_edited(world, beta, as_admin):
    MemberLogFactory(day=world.day, member=world.admin)
    data = log_body(world) | {
        "version": "1",
        "links-INITIAL_FORMS": "1",
        "links-0-id": str(beta.link.pk),
        "links-0-title": "탈취",
    }
    before = snapshot()
    response = as_admin.post(day_url(world, "log_edit"), data)
    assert response.status_code == 422
    assert snapshot() == before
    assert StudyLink.objects.get(pk=beta.link.pk).title != "탈취"


def test_another_teams_study_link_cannot_be_deleted(world, beta, as_admin):
    MemberLogFactory(day=world.day, member=world.admin)
    data = log_body(world) | {
        "version": "1",
        "links-INITIAL_FORMS": "1",
        "links-0-id": str(beta.link.pk),
        "links-0-DELETE": "on",
    }
    response = as_admin.post(day_url(world, "log_edit"), data)
    assert response.status_code == 422
    assert StudyLink.objects.filter(pk=beta.link.pk).exists()


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("question", "asked_by"),
        ("question", "answered_by"),
        ("action", "owner"),
        ("review", "presenters"),
    ],
)
def test_a_member_picker_refuses_another_teams_member(kind, field, world, beta, as_admin):
    from .test_permissions import ITEM_FIELDS

    before = snapshot()
    for url in (
        item_url(world, "item_create", kind),
        item_url(world, "item_edit", kind, world.items[kind][0].pk),
    ):
        body = {**ITEM_FIELDS[kind], "version": "1", field: str(beta.member.pk)}
        response = as_admin.post(url, body)
        assert response.status_code == 422, url
        assert field in response.context["form"].errors
    assert snapshot() == before


def test_the_session_moderator_must_be_of_this_team(world, beta, as_admin):
    as_admin.get(day_url(world, "session_edit"))
    before = snapshot()
    body = session_body(world) | {"moderator": str(beta.member.pk)}
    response = as_admin.post(day_url(world, "session_edit"), body)
    assert response.status_code == 422
    assert "moderator" in response.context["form"].errors
    assert snapshot() == before


def test_a_new_day_moderator_must_be_of_this_team(world, beta, as_admin):
    before = snapshot()
    body = {"date": "2024-03-06", "number": "3", "moderator": str(beta.member.pk)}
    response = as_admin.post(reverse("peer:day_create", args=["alpha"]), body)
    assert response.status_code == 200
    assert "moderator" in response.context["form"].errors
    assert snapshot() == before


def test_review_assignment_refuses_another_teams_review_and_member(world, beta, as_admin):
    url = day_url(world, "reviews_assign")
    review = world.items["review"][0]
    before = snapshot()
    # Another team's review, by its id in the field name: nothing of it is assigned.
    foreign = beta.items["review"]
    body = {f"review-{foreign.pk}": str(world.member.pk), f"version-{foreign.pk}": "1"}
    assert as_admin.post(url, body).status_code in (400, 409, 422)
    # Another team's member as this team's presenter: an error beside the review.
    body = {f"review-{review.pk}": str(beta.member.pk), f"version-{review.pk}": "1"}
    response = as_admin.post(url, body)
    assert response.status_code == 422
    assert f"review-{review.pk}" in response.context["form"].errors
    # A review id no column holds, and one that is not ASCII digits.
    for key in ("review-99999999999999999999", "review-²", "review-\x00"):
        assert as_admin.post(url, {key: str(world.member.pk)}).status_code == 400, key
    assert snapshot() == before
    assert not foreign.presenters.exists()


def test_a_substitute_must_be_of_this_team(world, beta, as_admin):
    schedule_two_dates(world)
    before = snapshot()
    body = {"sub-date": world.upcoming[0].isoformat(), "sub-member": str(beta.member.pk)}
    response = as_admin.post(reverse("peer:schedule_substitute", args=["alpha"]), body)
    assert response.status_code == 200
    assert "member" in response.context["substitute_form"].errors
    assert snapshot() == before


def test_an_invitation_cannot_bind_another_teams_member(world, other_team, as_admin):
    name_only = MembershipFactory(team=other_team, user=None, display_name="베타이름")
    before = snapshot()
    body = {"role": "member", "member": str(name_only.pk)}
    response = as_admin.post(reverse("peer:invitation_create", args=["alpha"]), body)
    assert response.status_code == 302
    assert snapshot() == before


def test_an_import_cannot_be_credited_to_another_teams_member(world, beta, as_admin):
    from .test_permissions import import_body

    before = snapshot()
    body = import_body(world) | {"author": str(beta.member.pk)}
    response = as_admin.post(reverse("peer:import_posts", args=["alpha"]), body)
    assert response.status_code == 200
    assert "author" in response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("follow_up_resolve", "question"),
        ("follow_up_resolve", "action"),
        ("follow_up_reopen", "question"),
        ("follow_up_reopen", "action"),
    ],
)
def test_another_teams_follow_up_is_404(name, kind, world, beta, as_admin):
    item = beta.items[kind]
    type(item).objects.filter(pk=item.pk).update(
        needs_follow_up=True
    ) if kind == "question" else None
    url = reverse(f"peer:{name}", kwargs={"team": "alpha", "kind": kind, "pk": item.pk})
    before = snapshot()
    assert as_admin.post(url, {"resolution": "남의 팀 것"}).status_code == 404
    assert snapshot() == before


def test_another_teams_mentor_question_is_404(world, beta, as_admin):
    question = beta.items["question"]
    type(question).objects.filter(pk=question.pk).update(for_mentor=True)
    url = reverse("peer:mentor_answer", kwargs={"team": "alpha", "pk": question.pk})
    before = snapshot()
    assert as_admin.post(url, {"answer": "남의 팀 것"}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("view", ["item_edit", "item_delete", "item_move"])
@pytest.mark.parametrize("kind", list(ITEM_FACTORIES))
def test_another_teams_item_is_404_whatever_the_body(view, kind, world, beta, as_admin):
    url = item_url(world, view, kind, beta.items[kind].pk)
    before = snapshot()
    for body in ({"version": "1", "direction": "up"}, {"version": "-1"}, {"version": "9" * 20}):
        assert as_admin.post(url, body).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("version", ["-1", "abc", "9" * 20, "1.5", "", "\x00"])
def test_a_tampered_version_saves_nothing(version, world, as_admin):
    """An edit's version is what makes the save safe; a bad one is refused, not guessed."""
    question = world.items["question"][0]
    before = snapshot()
    url = item_url(world, "item_edit", "question", question.pk)
    response = as_admin.post(url, {"question": "바뀐 질문", "version": version})
    if version == "":  # no version: the form treats it as 0, a stale version
        assert response.status_code == 409
    else:
        assert response.status_code in (409, 422), response.status_code
    assert snapshot() == before
    delete = item_url(world, "item_delete", "question", question.pk)
    assert as_admin.post(delete, {"version": version}).status_code in (400, 409)
    assert snapshot() == before


# --- bidi controls and other invisible characters ---------------------------------------

SPOOFS = [
    f"관리자{RLO}txt.exe",
    f"{LRI}김관리{PDI}",
    f"이멤버{RLM}",
    "이\u200b멤버",  # zero-width space: looks like 이멤버
    "줄\n바꿈",
    "탭\t문자",
    "\ufeff이멤버",  # byte order mark
    "이\u2028멤버",  # line separator
]


@pytest.mark.parametrize("value", SPOOFS, ids=[repr(v) for v in SPOOFS])
def test_one_line_validator_refuses_invisible_controls(value):
    with pytest.raises(Exception) as refused:
        validate_one_line(value)
    assert refused.value.code == "control_character"


@pytest.mark.parametrize(
    "value",
    ["김관리", "Ana María", "مرحبا", "שלום", "👩‍💻 개발자", "🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland", "Anne-Marie O'Neil"],
)
def test_one_line_validator_keeps_real_names(value):
    validate_one_line(value)  # right-to-left scripts, emoji sequences: all fine


# (URL, body with "{}" for the value, the form in the context, its field, the status)
ONE_LINE_FORMS = {
    "display-name-add": (
        lambda w: reverse("peer:members", args=["alpha"]),
        {"add-display_name": "{}", "add-role": "member", "add-rotation_order": "9"},
        "add_form",
        "display_name",
        200,
    ),
    "display-name-edit": (
        lambda w: reverse("peer:member_edit", args=["alpha", w.member.pk]),
        {"display_name": "{}", "role": "member", "is_active": "on", "rotation_order": "1"},
        "form",
        "display_name",
        200,
    ),
    "team-name": (
        lambda w: reverse("peer:team_settings", args=["alpha"]),
        {"name": "{}", "slug": "alpha", "course": "boostcourse", "language": "ko"},
        "form",
        "name",
        200,
    ),
    "mentor": (
        lambda w: reverse("peer:team_settings", args=["alpha"]),
        {"name": "알파", "slug": "alpha", "mentor": "{}", "language": "ko"},
        "form",
        "mentor",
        200,
    ),
    "day-title": (
        lambda w: reverse("peer:day_create", args=["alpha"]),
        {"date": "2024-03-06", "number": "2", "title": "{}"},
        "form",
        "title",
        200,
    ),
    "day-tags": (
        lambda w: reverse("peer:day_create", args=["alpha"]),
        {"date": "2024-03-06", "number": "2", "tags": "{}"},
        "form",
        "tags",
        200,
    ),
    "review-assignment": (
        lambda w: item_url(w, "item_create", "review"),
        {"assignment": "{}", "version": "1"},
        "form",
        "assignment",
        422,
    ),
    "review-topic": (
        lambda w: item_url(w, "item_create", "review"),
        {"assignment": "과제", "topic": "{}", "version": "1"},
        "form",
        "topic",
        422,
    ),
    "section-heading": (
        lambda w: item_url(w, "item_create", "section"),
        {"heading": "{}", "body": "", "version": "1"},
        "form",
        "heading",
        422,
    ),
    "action-text": (
        lambda w: item_url(w, "item_create", "action"),
        {"text": "{}", "version": "1"},
        "form",
        "text",
        422,
    ),
    "skip-reason": (
        lambda w: reverse("peer:schedule_skip", args=["alpha"]),
        {"skip-date": "{date}", "skip-reason": "{}"},
        "skip_form",
        "reason",
        200,
    ),
}


@pytest.mark.parametrize("case", list(ONE_LINE_FORMS))
def test_a_name_or_title_with_a_bidi_override_is_refused_beside_the_field(
    case, world, as_admin, english
):
    make_url, template, form_name, field, status = ONE_LINE_FORMS[case]
    value = f"관리자{RLO}txt.exe"
    date = world.upcoming[2].isoformat()
    body = {k: v.replace("{}", value).replace("{date}", date) for k, v in template.items()}
    before = snapshot()
    response = as_admin.post(make_url(world), body)
    assert response.status_code == status
    errors = response.context[form_name].errors
    assert field in errors
    assert "invisible control characters" in str(errors[field])
    assert value in response.content.decode()  # kept as typed, for the user to fix
    assert snapshot() == before


def test_attendance_note_and_link_title_refuse_bidi(world, as_admin):
    url = day_url(world, "session_edit")
    as_admin.get(url)
    before = snapshot()
    body = session_body(world) | {"attendance-0-note": f"지각{RLO}"}
    response = as_admin.post(url, body)
    assert response.status_code == 422
    assert "note" in response.context["formset"].forms[0].errors
    body = log_body(world) | {"links-0-title": f"강의{LRI}"}
    response = as_admin.post(day_url(world, "log_edit"), body)
    assert response.status_code == 422
    assert "title" in response.context["formset"].forms[0].errors
    assert snapshot() == before


def test_accepting_an_invitation_with_a_spoofing_name_is_refused(world, client, django_user_model):
    from sessions.models import Invitation

    invitation = Invitation.objects.create(team=world.team, role="member")
    client.force_login(django_user_model.objects.create_user("newcomer"))
    before = snapshot()
    url = reverse("peer:invitation_accept", args=[invitation.token])
    response = client.post(url, {"display_name": f"김관리{RLM}"})
    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("question", {"question": f"왜 {RLO}이렇게{PDI} 되나요?", "answer": f"답 {LRI}x{PDI}"}),
        ("suggestion", {"proposal": f"עברית {RLM} 제안", "status": "proposed"}),
        ("section", {"heading": "섹션", "body": f"본문 {RLO} 끝"}),
    ],
)
def test_free_text_keeps_bidi_characters(kind, body, world, as_admin):
    """Right-to-left writing needs them in prose; only names and titles refuse them."""
    response = as_admin.post(item_url(world, "item_create", kind), {**body, "version": "1"})
    assert response.status_code == 200
    model = ITEM_FACTORIES[kind]._meta.model
    saved = model.objects.filter(day=world.day).order_by("-pk").first()
    for field, value in body.items():
        assert getattr(saved, field) == value


class _BidiScope(HTMLParser):
    """Records, for each bidi control in the text, the elements open around it."""

    BLOCKS = {
        *("p", "li", "td", "th", "pre", "blockquote", "div", "dd", "dt", "details", "summary"),
        *("h1", "h2", "h3", "h4", "h5", "h6"),
    }
    VOID = {"br", "hr", "img", "input", "wbr"}

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.outside_a_block: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]

    def handle_data(self, data):
        if any(c in data for c in (RLO, LRI, RLM, "\u202b", "\u202d")):
            if not self.BLOCKS & set(self.open):
                self.outside_a_block.append(data)


@pytest.mark.parametrize(
    "text",
    [
        f"앞 {RLO}뒤",
        f"*기울임 {RLO}* 다음",
        f"- 하나 {LRI}\n- 둘",
        f"| a | b{RLO} |\n|---|---|\n| c | d |",
        f"```\n코드 {RLO}\n```",
        f"> 인용 {RLO}",
        f"# 제목 {RLO}",
        f"<span>{RLO}원시 HTML</span> 뒤",
        f"<div>{RLO}블록 HTML</div>",
        f"{RLO}",
    ],
)
def test_rendered_markdown_keeps_a_bidi_override_inside_its_block(text):
    """An override ends with the paragraph it is in (Unicode's bidi algorithm, which
    browsers apply per block): every one the renderer lets through must sit inside a
    block element, so it cannot reverse what the page prints after the markdown."""
    scope = _BidiScope()
    scope.feed(render_markdown(text))
    assert not scope.outside_a_block, render_markdown(text)


# --- dates ------------------------------------------------------------------------------

IMPOSSIBLE_DATES = ["2024-02-30", "99999-01-01", "0000-00-00", "2024-13-01", "3/4/2024", "어제"]
OUT_OF_RANGE_DATES = ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"]


def _date_cases(w):
    """(name, URL, body with "{}" for the date, form in the context, field, status)."""
    return [
        ("day", reverse("peer:day_create", args=["alpha"]),
         {"date": "{}", "number": "5"}, "form", "date", 200),
        ("due", item_url(w, "item_create", "action"),
         {"text": "할 일", "due_date": "{}", "version": "1"}, "form", "due_date", 422),
        ("starts-on", reverse("peer:team_settings", args=["alpha"]),
         {"name": "알파", "slug": "alpha", "language": "ko", "calendar": "True",
          "starts_on": "{}", "session_weekdays": ["0"], "session_start": "16:00",
          "session_end": "17:00", "timezone": "Asia/Seoul", "rotation": "name"},
         "form", "starts_on", 200),
        ("skip", reverse("peer:schedule_skip", args=["alpha"]),
         {"skip-date": "{}", "skip-reason": ""}, "skip_form", "date", 200),
        ("swap", reverse("peer:schedule_swap", args=["alpha"]),
         {"swap-first": "{}", "swap-second": w.upcoming[1].isoformat()},
         "swap_form", "first", 200),
        ("substitute", reverse("peer:schedule_substitute", args=["alpha"]),
         {"sub-date": "{}", "sub-member": str(w.member.pk)}, "substitute_form", "date", 200),
    ]  # fmt: skip


def _fill(body: dict, value: str) -> dict:
    return {k: (v.replace("{}", value) if isinstance(v, str) else v) for k, v in body.items()}


@pytest.mark.parametrize("date", IMPOSSIBLE_DATES + OUT_OF_RANGE_DATES)
def test_a_bad_date_in_a_form_is_an_error_beside_the_field(date, world, as_admin):
    schedule_two_dates(world)
    failures = []
    before = snapshot()
    for name, url, body, form_name, field, status in _date_cases(world):
        response = as_admin.post(url, _fill(body, date))
        if response.status_code != status:
            failures.append(f"{name}: {response.status_code}")
        elif field not in response.context[form_name].errors:
            failures.append(f"{name}: no error beside {field}")
        after = snapshot()  # and the database before the next post
        if after != before:
            failures.append(f"{name}: the database changed")
        before = after
    assert not failures, failures


@pytest.mark.parametrize("name", ["search", "stats", "follow_ups", "decisions"])
@pytest.mark.parametrize("date", IMPOSSIBLE_DATES + OUT_OF_RANGE_DATES)
def test_a_bad_date_in_a_filter_is_never_a_500(name, date, world, as_admin):
    url = reverse(f"peer:{name}", args=["alpha"])
    response = as_admin.get(url, {"from": date, "to": date, "q": "질문"})
    assert response.status_code == 200


@pytest.mark.parametrize("date", ["1900-01-01", "2200-12-31"])
def test_the_extreme_dates_a_form_accepts_keep_every_page_working(date, world, as_admin):
    """The first and last dates the forms take, saved everywhere a date is saved: no page
    of the team steps past what Python's dates can hold."""
    value = datetime.date.fromisoformat(date)
    Team.objects.filter(pk=world.team.pk).update(starts_on=value)
    # The new-day form refuses such dates now (sessions/dates.py); an import or a backup
    # still holds any date from EARLIEST_DATE to LATEST_DATE.
    DayFactory(team=world.team, date=value, number=9)
    ActionItem.objects.create(day=world.day, text="끝", due_date=value, position=9)
    SkippedDate.objects.create(
        team=world.team, date=value + datetime.timedelta(days=-1 if value.year > 2000 else 1)
    )
    day_path = f"/teams/alpha/days/{date}/"
    pages = [
        "/",
        "/teams/alpha/",
        "/teams/alpha/days/",
        f"/teams/alpha/days/{value.year}/",
        f"/teams/alpha/days/{value.year}/{value.month}/",
        f"/teams/alpha/weeks/{date}/",
        "/teams/alpha/schedule/",
        f"/teams/alpha/schedule/?date={date}",
        "/teams/alpha/calendar/",
        "/teams/alpha/follow-ups/",
        "/teams/alpha/stats/",
        "/teams/alpha/stats/members.csv",
        "/teams/alpha/search/?q=끝",
        "/teams/alpha/decisions/",
        f"/teams/alpha/days/new/?date={date}",
        day_path,
        day_path + "edit/",
        f"/teams/alpha/members/{world.member.pk}/stats/",
        f"/teams/alpha/members/{world.admin.pk}/posts.zip",
        day_path + f"{world.admin.pk}/export.md",
        reverse("peer:calendar_feed", args=[world.admin.calendar_token]),
    ]
    failures = []
    for page in pages:
        try:
            status = as_admin.get(page).status_code
        except Exception as exc:
            failures.append(f"{page}: {type(exc).__name__}: {exc}")
            continue
        if status != 200:
            failures.append(f"{page}: {status}")
    assert not failures, failures


# --- imports ----------------------------------------------------------------------------


POST = """---
title: "[boostcourse] Day2 학습기록_알파팀"
date: 2024-03-05
---

## 피어세션

모더레이터 : {moderator}

참가자 : 김관리, {moderator}
"""


def _import(client, *files):
    return client.post(reverse("peer:import_posts", args=["alpha"]), {"files": list(files)})


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("latin1.md", POST.format(moderator="이멤버").encode("cp949"), "not UTF-8"),
        ("bytes.md", b"---\ndate: 2024-03-05\n---\n\xff\xfe\xfd", "not UTF-8"),
        ("nul.md", POST.format(moderator="이멤버").encode() + b"\x00", "binary"),
        ("posts.zip", _zip({"_posts/a.md": b"\xff\xfe"}), "not UTF-8"),
        ("posts.zip", _zip({"_posts/a.md": b"x\x00y"}), "binary"),
        ("broken.zip", b"PK\x03\x04 not really a zip", "zip"),
        (
            "posts.zip",
            _zip(
                {"_posts/\udcff.md".encode("utf-8", "surrogateescape").decode("latin-1"): b"---\n"}
            ),
            "",
        ),
    ],
    ids=["cp949", "bytes", "nul", "zip-bytes", "zip-nul", "broken-zip", "zip-odd-name"],
)
def test_an_import_of_a_broken_file_is_reported_and_saves_nothing(
    name, data, reason, world, as_admin, english
):
    before = snapshot()
    response = _import(as_admin, _upload(name, data))
    assert response.status_code == 200
    report = response.context["report"]
    assert report.count("imported") == 0
    assert report.failed
    if reason:
        assert any(reason in str(r.reason) for r in report.failed), [
            str(r.reason) for r in report.failed
        ]
    assert snapshot() == before


def test_an_import_with_one_bad_file_still_imports_the_good_one(world, as_admin):
    good = _upload("2024-03-05-day2.md", POST.format(moderator="이멤버").encode())
    bad = _upload("2024-03-06-day3.md", b"\xff\xfe")
    response = _import(as_admin, good, bad)
    report = response.context["report"]
    assert report.count("imported") == 1
    assert report.count("failed") == 1
    assert Day.objects.filter(team=world.team, date="2024-03-05").exists()


@pytest.mark.parametrize(
    "moderator", [f"관리자{RLO}txt", f"{LRI}이멤버{PDI}", "이\u200b멤버"], ids=repr
)
def test_an_imported_post_cannot_bring_a_spoofing_member_name(moderator, world, as_admin):
    """Names in a post become members: the rule the member forms keep holds here too."""
    response = _import(
        as_admin, _upload("2024-03-05-day2.md", POST.format(moderator=moderator).encode())
    )
    assert response.status_code == 200
    names = Membership.objects.filter(team=world.team).values_list("display_name", flat=True)
    for name in names:
        validate_one_line(name)


@pytest.mark.parametrize("title", [f"Day2 {RLO}gnirts", "Day2\u200b학습"], ids=repr)
def test_an_imported_post_cannot_bring_a_spoofing_title(title, world, as_admin):
    post = POST.format(moderator="이멤버").replace(
        '"[boostcourse] Day2 학습기록_알파팀"', f'"{title}"'
    )
    _import(as_admin, _upload("2024-03-05-day2.md", post.encode()))
    for day in Day.objects.filter(team=world.team):
        validate_one_line(day.title)
    for review in AssignmentReview.objects.filter(day__team=world.team):
        validate_one_line(review.assignment)
