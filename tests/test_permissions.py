"""Who may open what: every team URL for anonymous, outsider, observer, member,
the day's moderator and admin.

The matrix below is the whole policy in one place. Each row names an endpoint, its
method, how to build its URL and a valid request body, and the least role that may
use it:

    READ       every active member, observers included
    WRITE      members and admins; observers get 403
    MODERATOR  the day's moderator (a member) and admins; other members get 403
    ADMIN      admins only; members, the moderator and observers get 403
    SELF       the member the URL names (the world's plain member) and admins; anyone
               else in the team, the moderator and observers included, gets 403
    OWN        the member the URL names and nobody else: admins get 403 too (publishing
               to a member's blog uses the member's own repository and credential)

Anonymous users are always sent to log in and people outside the team always get
404. A denied request must leave every row of the database as it was; an allowed
write must change something (so a "denial" that silently succeeds cannot pass).

A closed day is read-only for everyone: its session and item writes answer 403 even
to admins, while each member's own log stays editable (the closed-day tests below).
"""

import copy
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import resolve, reverse
from django.utils import timezone
from PIL import Image as PILImage

from sessions import history, schedule
from sessions.images.processing import clean_image
from sessions.models import (
    ActionItem,
    Attendance,
    BlogConnection,
    Day,
    Membership,
    ModeratorAssignment,
    PublishedPost,
    Question,
    Revision,
    SkippedDate,
    TeamImage,
)

from .conftest import _client_for, _member
from .factories import (
    ActionItemFactory,
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    SuggestionFactory,
    TeamFactory,
    session_form,
)
from .routes import routes
from .rows import every_row

pytestmark = pytest.mark.django_db

READ, WRITE, MODERATOR, ADMIN, SELF = "read", "write", "moderator", "admin", "self"
OWN = "own"
LOGIN_PREFIX = "/accounts/login/"
HTMX = {"HTTP_HX_REQUEST": "true"}

# Kinds of item only the day's moderator and admins may change.
MODERATED = {"review"}

ITEM_FACTORIES = {
    "suggestion": SuggestionFactory,
    "review": ReviewFactory,
    "question": QuestionFactory,
    "section": SectionFactory,
    "action": ActionItemFactory,
}

# A valid new item of each kind, as its form posts it.
ITEM_FIELDS = {
    "suggestion": {
        "proposal": "새 건의사항",
        "discussion": "",
        "outcome": "",
        "status": "proposed",
    },
    "review": {"assignment": "과제 9", "topic": "", "notes": ""},
    "question": {"question": "새 질문입니다", "answer": "", "links": ""},
    "section": {"heading": "새 섹션", "body": "본문"},
    "action": {"text": "새 액션 아이템", "owner": "", "due_date": ""},
}


# --- the world every row runs against -------------------------------------------------


def _build_world() -> dict:
    """conftest's cast as its fixtures make it (team "alpha" with its admin, member and
    observer, and day 1; the outsider, admin of team "beta"), then the world: day 1
    moderated by a member and holding two items of every kind, a name-only member, and
    upcoming session dates."""
    team = TeamFactory(name="알파팀", slug="alpha")
    users = {
        "team_admin": _member(team, Membership.Role.ADMIN, "김관리", "alpha-admin"),
        "team_member": _member(team, Membership.Role.MEMBER, "이멤버", "alpha-member"),
        "team_observer": _member(team, Membership.Role.OBSERVER, "박참관", "alpha-observer"),
    }
    day = DayFactory(team=team, date=datetime.date(2024, 3, 4), number=1)
    writers = team.memberships.active().exclude(role=Membership.Role.OBSERVER)
    Attendance.objects.bulk_create(Attendance(day=day, member=m) for m in writers)
    users["team_moderator"] = _member(team, Membership.Role.MEMBER, "문모더", "alpha-moderator")
    other_team = TeamFactory(name="베타팀", slug="beta")
    users["outsider"] = _member(other_team, Membership.Role.ADMIN, "최외부", "beta-admin")

    moderator = users["team_moderator"].memberships.get()
    Attendance.objects.create(day=day, member=moderator)
    Day.objects.filter(pk=day.pk).update(moderator=moderator)
    day.refresh_from_db()
    items = {kind: [make(day=day), make(day=day)] for kind, make in ITEM_FACTORIES.items()}
    # Upcoming session dates (from the team's today): two for the schedule's swaps
    # and substitutes, one to skip, and a skipped one further on.
    upcoming = schedule.next_session_dates(team, schedule.local_today(team), 4)
    world = SimpleNamespace(
        team=team,
        day=day,
        items=items,
        admin=users["team_admin"].memberships.get(),
        member=users["team_member"].memberships.get(),
        observer=users["team_observer"].memberships.get(),
        moderator=moderator,
        name_only=MembershipFactory(team=team, user=None, display_name="정이름"),
        upcoming=upcoming[:3],
        skipped=SkippedDate.objects.create(team=team, date=upcoming[3], reason="공휴일"),
        template=team.day_templates.get(),  # the built-in one every team has
    )
    return {"world": world, "team": team, "day": day, "other_team": other_team, **users}


@pytest.fixture(scope="module")
def world_rows(django_db_setup, django_db_blocker):
    """The world, written once per module in a transaction rolled back after the
    module's last test. Each test runs in a savepoint inside it (pytest-django's `db`,
    as Django's TestCase does after setUpTestData), so whatever one test writes, closing
    the day included, is gone before the next begins."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as conftest's tests have
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=hashers):
            rows = _build_world()
        with django_db_blocker.block():
            yield rows
        transaction.set_rollback(True)


@pytest.fixture
def cast(world_rows, db) -> dict:
    """This test's own copies of the world's objects, as setUpTestData hands them out:
    what one test changes on them in Python (a refresh, a login) the next never sees."""
    return copy.deepcopy(world_rows)


def _from_cast(name: str):
    """The fixture `name`: this test's copy of the world's object of that name."""

    @pytest.fixture(name=name)
    def fixture(cast):
        return cast[name]

    return fixture


# conftest's cast, taken from the world instead of written again for every test, and
# the moderator: an ordinary member of `team` who moderates the world's day.
team, day, other_team, outsider = map(_from_cast, ["team", "day", "other_team", "outsider"])
team_admin, team_member = _from_cast("team_admin"), _from_cast("team_member")
team_observer, team_moderator = _from_cast("team_observer"), _from_cast("team_moderator")


@pytest.fixture
def as_moderator(team_moderator):
    return _client_for(team_moderator)


@pytest.fixture
def world(cast):
    """Team "alpha" with day 1 (moderated by a member) holding two items of every kind,
    a name-only member, and team "beta" (the outsider's) next door."""
    return cast["world"]


def close_the_day(w) -> None:
    Day.objects.filter(pk=w.day.pk).update(closed_at=timezone.now(), closed_by=None)


def schedule_two_dates(w) -> None:
    """The day's moderator is also scheduled on the next session date; the admin on
    the one after. (A member who moderates neither may not change either.)"""
    first, second = w.upcoming[:2]
    ModeratorAssignment.objects.create(team=w.team, date=first, member=w.moderator)
    ModeratorAssignment.objects.create(team=w.team, date=second, member=w.admin)


def snapshot() -> dict:
    """Every row of every Studylog table, and the users (tests/rows.py)."""
    return every_row()


# --- URL and body builders -------------------------------------------------------------


def team_url(name: str, **extra) -> Callable:
    return lambda w: reverse(f"peer:{name}", kwargs={"team": w.team.slug, **extra})


def day_url(name: str, **extra) -> Callable:
    return lambda w: reverse(
        f"peer:{name}", kwargs={"team": w.team.slug, "date": w.day.date, **extra}
    )


def template_url(name: str) -> Callable:
    return lambda w: reverse(f"peer:{name}", kwargs={"team": w.team.slug, "pk": w.template.pk})


def template_body(w) -> dict:
    return {
        "name": "새 템플릿",
        "sections": "## 기타\n",
        "review_outline": "### 개요",
        "retro_prompt": "- 배운 것",
        **{f"minutes_{part}": "5" for part in ("suggestions", "review", "questions", "actions")},
        "minutes_section": "5",
    }


def item_url(name: str, kind: str) -> Callable:
    def build(w):
        kwargs = {"team": w.team.slug, "date": w.day.date, "kind": kind}
        if name not in ("item_list", "item_create"):
            kwargs["pk"] = w.items[kind][1].pk  # the second, so "move up" has somewhere to go
        return reverse(f"peer:{name}", kwargs=kwargs)

    return build


def member_edit_url(w) -> str:
    return reverse("peer:member_edit", kwargs={"team": w.team.slug, "member": w.member.pk})


def unskip_url(w) -> str:
    return reverse("peer:schedule_unskip", kwargs={"team": w.team.slug, "pk": w.skipped.pk})


def member_day_url(w) -> str:
    return reverse(
        "peer:member_day", kwargs={"team": w.team.slug, "date": w.day.date, "member": w.member.pk}
    )


def member_export_url(w) -> str:
    return reverse(
        "peer:member_export",
        kwargs={"team": w.team.slug, "date": w.day.date, "member": w.member.pk},
    )


def member_stats_url(w) -> str:
    return reverse("peer:member_stats", kwargs={"team": w.team.slug, "member": w.member.pk})


def year_url(w) -> str:
    return reverse("peer:archive_year", kwargs={"team": w.team.slug, "year": w.day.date.year})


def month_url(w) -> str:
    kwargs = {"team": w.team.slug, "year": w.day.date.year, "month": w.day.date.month}
    return reverse("peer:archive_month", kwargs=kwargs)


def week_url(w) -> str:
    return reverse("peer:archive_week", kwargs={"team": w.team.slug, "date": w.day.date})


def stats_csv_url(w) -> str:
    return reverse("peer:stats_csv", kwargs={"team": w.team.slug, "table": "members"})


def follow_up_url(name: str, kind: str) -> Callable:
    def build(w):
        kwargs = {"team": w.team.slug, "kind": kind, "pk": w.items[kind][0].pk}
        return reverse(f"peer:{name}", kwargs=kwargs)

    return build


def mentor_answer_url(w) -> str:
    pk = w.items["question"][0].pk
    return reverse("peer:mentor_answer", kwargs={"team": w.team.slug, "pk": pk})


def open_follow_up(w) -> None:
    """The world's first question needs a follow-up and is flagged for the mentor."""
    Question.objects.filter(pk=w.items["question"][0].pk).update(
        needs_follow_up=True, for_mentor=True
    )


def resolved_follow_ups(w) -> None:
    open_follow_up(w)
    for kind, model in (("question", Question), ("action", ActionItem)):
        model.objects.filter(pk=w.items[kind][0].pk).update(
            resolution="해결됨", resolved_at=timezone.now(), resolved_by=w.admin
        )


def resolve_body(w) -> dict:
    return {"resolution": "확인해 보니 이렇습니다"}


def mentor_body(w) -> dict:
    return {"answer": "멘토의 답입니다"}


def blog_url(name: str) -> Callable:
    def build(w) -> str:
        kwargs = {"team": w.team.slug, "date": w.day.date, "member": w.member.pk}
        return reverse(f"peer:{name}", kwargs=kwargs)

    return build


def blog_connected(w) -> None:
    """The plain member has connected a blog (publishing only queues: nothing is pushed)."""
    BlogConnection.objects.create(user=w.member.user, remote_url="https://example.com/b.git")


def blog_conflict(w) -> None:
    blog_connected(w)
    PublishedPost.objects.create(
        connection=w.member.user.blog_connection,
        day=w.day,
        member=w.member,
        path="_posts/x.md",
        status=PublishedPost.Status.CONFLICT,
        their_blob="1" * 40,
        their_text="their version",
    )


def blog_resolve_body(w) -> dict:
    return {"choice": "ours"}


def member_zip_url(w) -> str:
    return reverse("peer:member_posts_zip", kwargs={"team": w.team.slug, "member": w.member.pk})


IMPORTED_POST = """---
title: "[boostcourse] Day2 학습기록_알파팀"
date: 2024-03-05
---
<br>

## 피어세션

모더레이터 : 이멤버

참가자 : 김관리, 이멤버

<br>

### 질문내용

1. 질문 : 가져온 질문입니다

    답 : 가져온 답입니다
"""


def import_body(w) -> dict:
    upload = SimpleUploadedFile("2024-03-05-boostcourse_day2.md", IMPORTED_POST.encode())
    return {"files": [upload], "author": ""}


def settings_body(w) -> dict:
    return {"name": "알파팀 새이름", "slug": w.team.slug, "course": "boostcourse", "language": "ko"}


def add_member_body(w) -> dict:
    return {
        "add-display_name": "새멤버",
        "add-role": "member",
        "add-is_active": "on",
        "add-rotation_order": "9",
    }


def member_edit_body(w) -> dict:
    return {"display_name": "이멤버", "role": "member", "is_active": "on", "rotation_order": "42"}


def new_day_body(w) -> dict:
    return {
        "date": "2024-03-05",
        "date_confirm": "2024-03-05",  # far from today's clock: confirmed
        "number": "2",
        "moderator": "",
        "title": "",
        "tags": "",
    }


def session_body(w) -> dict:
    # The moderator stays: handing the day over is for its moderator and admins only.
    data = session_form(w.day, moderator=str(w.moderator.pk), title="새 제목", tags="")
    rows = int(data["attendance-TOTAL_FORMS"])
    return data | {f"attendance-{i}-status": "late" for i in range(rows)}


def log_body(w) -> dict:
    return {
        "retrospective": "오늘의 회고",
        "visibility": "team",
        "version": "0",
        "links-TOTAL_FORMS": "1",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "30",
        "links-0-title": "강의",
        "links-0-url": "https://example.com/lecture",
        "links-0-color": "blue",
    }


RESTORED_FIELD = {"session": "title", "question": "question", "review": "assignment"}


def edited_twice(kind: str) -> Callable:
    """The day's session, or the second item of `kind`, was saved twice: its first
    revision can be restored."""

    def prepare(w) -> None:
        row = w.day if kind == "session" else w.items[kind][1]
        first = history.snapshot(row)
        history.record(row, Revision.Action.CREATED, before=None, after=first)
        type(row).objects.filter(pk=row.pk).update(**{RESTORED_FIELD[kind]: "두 번째 판"})
        row.refresh_from_db()
        history.record(row, Revision.Action.EDITED, before=first)

    return prepare


def restore_url(kind: str) -> Callable:
    def build(w) -> str:
        first = Revision.objects.filter(day__date=w.day.date, kind=kind).order_by("id").first()
        kwargs = {"team": w.team.slug, "date": w.day.date, "pk": first.pk if first else 0}
        return reverse("peer:revision_restore", kwargs=kwargs)

    return build


def item_body(kind: str) -> Callable:
    # The version the editor loaded; a new item ignores it.
    return lambda w: {**ITEM_FIELDS[kind], "version": "1"}


def version_body(w) -> dict:
    return {"version": "1"}


# --- the matrix ------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str  # GET or POST
    url: Callable  # world -> URL
    access: str  # the least role that may use it: READ, WRITE, MODERATOR, ADMIN or SELF
    body: Callable | None = None  # world -> a valid POST body
    ok: int = 200  # the status an allowed user gets
    writes: bool = False  # an allowed request changes the database
    prepare: Callable | None = None  # world -> None: the state the request needs


GET, POST = "get", "post"
T, D = team_url, day_url


def preview_body(w) -> dict:
    return {"content": "*a*"}


def upload_body(w) -> dict:
    out = io.BytesIO()
    PILImage.new("RGB", (4, 3), (200, 30, 30)).save(out, "PNG")
    return {"image": SimpleUploadedFile("image.png", out.getvalue(), content_type="image/png")}


def store_image(w) -> None:
    png = io.BytesIO()
    PILImage.new("RGB", (4, 3), (30, 30, 200)).save(png, "PNG")
    image = TeamImage.objects.store(team=w.team, uploader=None, clean=clean_image(png.getvalue()))
    w.image_key = image.key


def image_url(w) -> str:
    key = getattr(w, "image_key", "k" * 22)  # store_image's, once it has run
    return reverse("peer:image", kwargs={"team": w.team.slug, "key": key, "ext": "png"})


def invitation_body(w) -> dict:
    return {"role": "member", "member": str(w.name_only.pk)}


def join_link_body(w) -> dict:
    return {"join-role": "member", "join-expires_on": ""}


def make_join_link(w) -> None:
    from sessions.models import JoinLink

    JoinLink.objects.create(team=w.team, role="member")


def invitation_send_body(w) -> dict:
    return {"email-addresses": "new.one@example.com\nnew.two@example.com", "email-role": "member"}


def week_retro_url(w) -> str:
    return reverse("peer:week_retro", kwargs={"team": w.team.slug, "date": w.day.date})


def week_post_url(w) -> str:
    return reverse("peer:week_post", kwargs={"team": w.team.slug, "date": w.day.date})


def week_retro_body(w) -> dict:
    return {"retrospective": "이번 주는 **리뷰**가 알찼다", "version": "0"}


def make_comment(w) -> None:
    """The plain member's comment on the day's first question, naming every other role
    of the team with @ (so each has a mention to mark seen)."""
    from sessions import comments

    names = " ".join(f"@{m.display_name}" for m in (w.admin, w.observer, w.moderator))
    question = w.items["question"][0]
    w.comment = comments.post(
        day=w.day, author=w.member, body=f"질문에 덧붙여요 {names}",
        target=("question", question.pk), user=w.member.user,
    )  # fmt: skip
    comments.post(day=w.day, author=w.admin, body="@이멤버 확인", target=("", None), user=None)


def comment_url(name: str) -> Callable:
    return lambda w: reverse(
        f"peer:{name}", kwargs={"team": w.team.slug, "date": w.day.date, "pk": w.comment.pk}
    )


def comment_jump_url(w) -> str:
    return reverse("peer:comment", kwargs={"team": w.team.slug, "pk": w.comment.pk})


def comment_body(w) -> dict:
    return {"body": "저도 궁금했어요 @이멤버", "target": f"question:{w.items['question'][0].pk}"}


def comment_edit_body(w) -> dict:
    return {"body": "고쳐 쓴 댓글"}


def make_webhook(w) -> None:
    """A webhook of the team with one failed delivery, for its pages and its resend."""
    from sessions.models import WebhookDelivery, WebhookSubscription

    w.webhook = WebhookSubscription.objects.create(
        team=w.team, url="https://example.com/hook", events=["day.closed"]
    )
    w.delivery = WebhookDelivery.objects.create(
        subscription=w.webhook, event="day.closed", payload="{}", status="failed", attempts=5
    )


def webhook_url(name: str) -> Callable:
    return lambda w: reverse(f"peer:{name}", kwargs={"team": w.team.slug, "pk": w.webhook.pk})


def webhook_resend_url(w) -> str:
    kwargs = {"team": w.team.slug, "pk": w.webhook.pk, "delivery": w.delivery.pk}
    return reverse("peer:webhook_resend", kwargs=kwargs)


def webhook_body(w) -> dict:
    return {"url": "https://example.com/other", "events": ["day.created", "day.closed"]}


def present_body(w) -> dict:
    return {"index": "1"}


def move_up_body(w) -> dict:
    return {"direction": "up"}


def swap_body(w) -> dict:
    first, second = w.upcoming[:2]
    return {"swap-first": first.isoformat(), "swap-second": second.isoformat()}


def substitute_body(w) -> dict:
    return {"sub-date": w.upcoming[0].isoformat(), "sub-member": str(w.member.pk)}


def skip_body(w) -> dict:
    return {"skip-date": w.upcoming[2].isoformat(), "skip-reason": "특강"}


def assign_body(w) -> dict:
    """Accept a suggestion: the member presents the first review."""
    review = w.items["review"][0]
    return {f"review-{review.pk}": str(w.member.pk), f"version-{review.pk}": str(review.version)}


def name_only_log_url(w) -> str:
    """The log editor of the world's name-only member (for the coverage test's stand-in
    world, which has none, any member: only the URL's name is looked at there)."""
    member = getattr(w, "name_only", w.member)
    kwargs = {"team": w.team.slug, "date": w.day.date, "member": member.pk}
    return reverse("peer:member_log_edit", kwargs=kwargs)


def name_only_log_body(w) -> dict:
    return log_body(w) | {"study_notes": "선택과제 추가 공부", "retrospective": "대신 적은 회고"}


# Previewing changes nothing and only renders markdown, so any member of the team may
# use it (observers included); outsiders and anonymous users are refused. Uploading an
# image is writing; fetching one is reading.
# fmt: off
TEAM_ROWS = [
    # name              method URL                      who may body            ok  writes
    ("team-home",         GET,  T("team"),              READ),
    ("settings-form",     GET,  T("team_settings"),     ADMIN),
    ("settings",          POST, T("team_settings"),     ADMIN, settings_body,   302, True),
    ("templates",         GET,  T("day_templates"),     ADMIN),
    ("template-new-form", GET,  T("day_template_create"), ADMIN),
    ("template-new",      POST, T("day_template_create"), ADMIN, template_body, 302, True),
    ("template-edit-form", GET, template_url("day_template_edit"), ADMIN),
    ("template-edit",     POST, template_url("day_template_edit"), ADMIN, template_body, 302, True),
    ("template-retire",   POST, template_url("day_template_retire"), ADMIN, None,   302, True),
    # Event webhooks: admins only (a new address is looked up: example.com is public).
    ("webhooks",          GET,  T("webhooks"),          ADMIN),
    ("webhook-new",       POST, T("webhooks"),          ADMIN, webhook_body,    302, True),
    ("webhook",           GET,  webhook_url("webhook"), ADMIN, None, 200, False, make_webhook),
    ("webhook-edit",      POST, webhook_url("webhook"), ADMIN, webhook_body, 302, True,
     make_webhook),
    ("webhook-delete",    POST, webhook_url("webhook_delete"), ADMIN, None, 302, True,
     make_webhook),
    ("webhook-resend",    POST, webhook_resend_url,     ADMIN, None, 302, True, make_webhook),
    ("members",           GET,  T("members"),           READ),
    ("members-add",       POST, T("members"),           ADMIN, add_member_body, 302, True),
    ("member-edit-form",  GET,  member_edit_url,        ADMIN),
    ("member-edit",       POST, member_edit_url,        ADMIN, member_edit_body, 302, True),
    ("invitation-create", POST, T("invitation_create"), ADMIN, invitation_body, 302, True),
    ("invitation-send",   POST, T("invitation_send"),   ADMIN, invitation_send_body, 302, True),
    ("join-link-create",  POST, T("join_link_create"),  ADMIN, join_link_body,  302, True),
    ("join-link-revoke",  POST, T("join_link_revoke"),  ADMIN, None, 302, True, make_join_link),
    ("preview",           POST, T("markdown_preview"),  READ,  preview_body,    200),
    ("upload",            POST, T("markdown_upload"),   WRITE, upload_body,     200, True),
    ("image",             GET,  image_url,              READ,  None, 200, False, store_image),
    ("archive",           GET,  T("archive"),           READ),
    ("search",            GET,  T("search"),            READ),
    ("day-create-form",   GET,  T("day_create"),        WRITE),
    ("day-create",        POST, T("day_create"),        WRITE, new_day_body,    302, True),
    ("day-record",        GET,  D("day"),               READ),
    ("member-record",     GET,  member_day_url,         READ),
    ("day-edit",          GET,  D("day_edit"),          WRITE),
    ("day-delete",        POST, D("day_delete"),        ADMIN, None,            302, True),
    ("state",             GET,  D("day_state"),         READ),
    ("session-panel",     GET,  D("session"),           READ),
    ("session-edit-form", GET,  D("session_edit"),      WRITE),
    ("session-edit",      POST, D("session_edit"),      WRITE, session_body,    200, True),
    ("log-edit-form",     GET,  D("log_edit"),          WRITE),
    ("log-edit",          POST, D("log_edit"),          WRITE, log_body,        200, True),
    # A name-only member's log is written by an admin or the day's moderator (a member
    # with an account writes only their own: tests/test_logs_name_only.py).
    ("member-log-edit-form", GET, name_only_log_url,    MODERATOR),
    ("member-log-edit",   POST, name_only_log_url,      MODERATOR, name_only_log_body, 200,
     True),
    # Comments: any member, observers (the mentor) too; a comment's own author edits and
    # deletes it (OWN: the plain member wrote it), an admin hides it.
    ("comment-create",    POST, D("comment_create"),    READ,  comment_body,    302, True),
    ("comment-edit-form", GET,  comment_url("comment_edit"), OWN, None, 200, False,
     make_comment),
    ("comment-edit",      POST, comment_url("comment_edit"), OWN, comment_edit_body, 302,
     True, make_comment),
    ("comment-delete",    POST, comment_url("comment_delete"), OWN, None, 302, True,
     make_comment),
    ("comment-hide",      POST, comment_url("comment_hide"), ADMIN, None, 302, True,
     make_comment),
    ("comment-jump",      GET,  comment_jump_url,       READ,  None, 302, False, make_comment),
    ("comment-open",      POST, comment_jump_url,       READ,  None, 302, False, make_comment),
    ("mentions-seen",     POST, T("mentions_seen"),     READ,  None, 302, True, make_comment),
    ("present",           GET,  D("present"),           READ),
    ("present-where",     GET,  D("present_position"),  READ),
    ("present-move",      POST, D("present_position"),  MODERATOR, present_body),
    ("reviews-suggest",   GET,  D("reviews_suggest"),   MODERATOR),
    ("reviews-assign",    POST, D("reviews_assign"),    MODERATOR, assign_body, 200, True),
    ("day-close",         POST, D("day_close"),         MODERATOR, None,        302, True),
    ("day-reopen",        POST, D("day_reopen"),        ADMIN, None, 302, True, close_the_day),
    # History: reading for everyone; restoring a version is saving that part again, so
    # it takes the same role as saving it (a member's own log: tests/test_history.py).
    ("day-history",       GET,  D("day_history"),       READ),
    ("session-restore",   POST, restore_url("session"), MODERATOR, None, 302, True,
     edited_twice("session")),
    ("question-restore",  POST, restore_url("question"), WRITE, None,       302, True,
     edited_twice("question")),
    ("review-restore",    POST, restore_url("review"),  MODERATOR, None,    302, True,
     edited_twice("review")),
    # The schedule: swaps and substitutes are for admins and the scheduled moderator of
    # a date involved (MODERATOR here: the world's moderator is scheduled on one).
    ("schedule",          GET,  T("schedule"),          READ),
    ("schedule-swap",     POST, T("schedule_swap"),     MODERATOR, swap_body, 302, True,
     schedule_two_dates),
    ("schedule-substitute", POST, T("schedule_substitute"), MODERATOR, substitute_body, 302,
     True, schedule_two_dates),
    ("schedule-skip",     POST, T("schedule_skip"),     ADMIN, skip_body,       302, True),
    ("schedule-unskip",   POST, unskip_url,             ADMIN, None,            302, True),
    # Each member's calendar: revoking only renews their own secret address, so
    # observers may too. (The feed itself, peer:calendar_feed, is reached by that
    # secret token, not through a team: it is not a team URL and has no row here.)
    ("calendar",          GET,  T("calendar"),          READ),
    ("calendar-revoke",   POST, T("calendar_revoke"),   READ,  None,            302, True),
    # Blog posts: a member's own, for that member and admins (views/publish.py says why);
    # importing old posts is for admins.
    ("member-export",     GET,  member_export_url,      SELF),
    ("member-posts-zip",  GET,  member_zip_url,         SELF),
    # Publishing to the member's own blog: the member only, admins included in the 403s
    # (sessions/blog/views.py says why).
    ("blog-post",         GET,  blog_url("blog_post"),  OWN),
    ("blog-publish",      POST, blog_url("blog_publish"), OWN, None,         302, True,
     blog_connected),
    ("blog-resolve",      POST, blog_url("blog_resolve"), OWN, blog_resolve_body, 302,
     True, blog_conflict),
    ("import-form",       GET,  T("import_posts"),      ADMIN),
    ("import",            POST, T("import_posts"),      ADMIN, import_body,     200, True),
    # Looking back: reading for everyone in the team.
    ("archive-year",      GET,  year_url,               READ),
    ("archive-month",     GET,  month_url,              READ),
    ("archive-week",      GET,  week_url,               READ),
    ("week-retro",        POST, week_retro_url,         WRITE, week_retro_body, 302, True),
    ("week-post",         GET,  week_post_url,          READ),
    ("decisions",         GET,  T("decisions"),         READ),
    ("stats",             GET,  T("stats"),             READ),
    ("stats-csv",         GET,  stats_csv_url,          READ),
    ("member-stats",      GET,  member_stats_url,       READ),
    # Follow-ups outlive their day: resolving is for writers, on any day. A question for
    # the mentor may be answered by anyone in the team, observers (the mentor) included.
    ("follow-ups",        GET,  T("follow_ups"),        READ),
    ("question-resolve",  POST, follow_up_url("follow_up_resolve", "question"), WRITE,
     resolve_body, 302, True, open_follow_up),
    ("action-resolve",    POST, follow_up_url("follow_up_resolve", "action"), WRITE,
     resolve_body, 302, True),
    ("question-reopen",   POST, follow_up_url("follow_up_reopen", "question"), WRITE,
     None, 302, True, resolved_follow_ups),
    ("action-reopen",     POST, follow_up_url("follow_up_reopen", "action"), WRITE,
     None, 302, True, resolved_follow_ups),
    ("mentor-queue",      GET,  T("mentor_queue"),      READ),
    ("mentor-answer",     POST, mentor_answer_url,      READ,  mentor_body,     302, True,
     open_follow_up),
]


def item_rows(k: str) -> list[tuple]:
    """The same eight rows for every kind of item (suggestion, review, question…).
    Reviews are the moderator's: only the day's moderator and admins change them."""
    w = MODERATOR if k in MODERATED else WRITE
    return [
        (f"{k}-list",         GET,  item_url("item_list", k),   READ),
        (f"{k}-detail",       GET,  item_url("item", k),        READ),
        (f"{k}-create-form",  GET,  item_url("item_create", k), w),
        (f"{k}-create",       POST, item_url("item_create", k), w, item_body(k),  200, True),
        (f"{k}-edit-form",    GET,  item_url("item_edit", k),   w),
        (f"{k}-edit",         POST, item_url("item_edit", k),   w, item_body(k),  200, True),
        (f"{k}-delete",       POST, item_url("item_delete", k), w, version_body,  200, True),
        (f"{k}-move",         POST, item_url("item_move", k),   w, move_up_body,  200, True),
    ]
# fmt: on


ENDPOINTS = [
    Endpoint(*row) for row in [*TEAM_ROWS, *(row for k in ITEM_FACTORIES for row in item_rows(k))]
]

# The world's URLs that name a member name the plain member: SELF is theirs (and admins').
ROLE_MAY = {
    "observer": {READ},
    "member": {READ, WRITE, SELF, OWN},
    "moderator": {READ, WRITE, MODERATOR},
    "admin": {READ, WRITE, MODERATOR, ADMIN, SELF},
}
ROLES = list(ROLE_MAY)


def _send(client, endpoint: Endpoint, w, **headers):
    url = endpoint.url(w)
    if endpoint.method == GET:
        return client.get(url, **headers)
    body = endpoint.body(w) if endpoint.body else {}
    return client.post(url, body, **headers)


def _prepare(endpoint: Endpoint, w) -> None:
    if endpoint.prepare is not None:
        endpoint.prepare(w)


matrix = pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])


def test_matrix_covers_every_team_url():
    """A new team URL must get a row here before it can ship."""
    team_urls = {name for route, name in routes() if "<slug:team>" in route}
    covered = set()
    world = SimpleNamespace(
        team=SimpleNamespace(slug="alpha"),
        day=SimpleNamespace(date=datetime.date(2024, 3, 4)),
        items={kind: [SimpleNamespace(pk=1), SimpleNamespace(pk=2)] for kind in ITEM_FACTORIES},
        member=SimpleNamespace(pk=3),
        skipped=SimpleNamespace(pk=4),
        template=SimpleNamespace(pk=5),
        comment=SimpleNamespace(pk=6),
        webhook=SimpleNamespace(pk=7),
        delivery=SimpleNamespace(pk=8),
    )
    for endpoint in ENDPOINTS:
        covered.add(resolve(endpoint.url(world)).url_name)
    assert covered == team_urls


@matrix
def test_anonymous_is_sent_to_log_in(endpoint, world, anon):
    _prepare(endpoint, world)
    before = snapshot()
    response = _send(anon, endpoint, world)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_PREFIX)
    assert snapshot() == before


@matrix
def test_outsider_gets_404(endpoint, world, as_outsider):
    _prepare(endpoint, world)
    before = snapshot()
    response = _send(as_outsider, endpoint, world)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
@matrix
def test_team_roles(endpoint, role, world, request):
    client = request.getfixturevalue(f"as_{role}")
    _prepare(endpoint, world)
    before = snapshot()
    response = _send(client, endpoint, world)
    if endpoint.access in ROLE_MAY[role]:
        assert response.status_code == endpoint.ok, response.content[:500]
        if endpoint.writes:
            assert snapshot() != before, "an allowed write changed nothing"
    else:
        assert response.status_code == 403
        assert snapshot() == before


# --- a closed day ----------------------------------------------------------------------

# Every write to a day's session and items, and the moderator's review tools: refused
# on a closed day to everyone, admins included, until an admin reopens it.
ITEM_WRITES = ["create-form", "create", "edit-form", "edit", "delete", "move"]
CLOSED_REFUSED_NAMES = {
    "session-edit-form",
    "session-edit",
    "reviews-suggest",
    "reviews-assign",
    *(f"{k}-{w}" for k in ITEM_FACTORIES for w in ITEM_WRITES),
}
# What stays open on a closed day: reading it, and each member's own log.
CLOSED_ALLOWED_NAMES = {
    "day-record",
    "member-record",
    "day-edit",
    "state",
    "session-panel",
    "log-edit-form",
    "log-edit",
    *(f"{k}-{r}" for k in ITEM_FACTORIES for r in ("list", "detail")),
}
CLOSED_REFUSED = [e for e in ENDPOINTS if e.name in CLOSED_REFUSED_NAMES]
CLOSED_ALLOWED = [e for e in ENDPOINTS if e.name in CLOSED_ALLOWED_NAMES]
closed_refused = pytest.mark.parametrize(
    "endpoint", CLOSED_REFUSED, ids=[e.name for e in CLOSED_REFUSED]
)


def test_the_closed_day_lists_name_real_endpoints():
    assert len(CLOSED_REFUSED) == len(CLOSED_REFUSED_NAMES)
    assert len(CLOSED_ALLOWED) == len(CLOSED_ALLOWED_NAMES)


@pytest.mark.parametrize("role", ["member", "moderator", "admin"])
@closed_refused
def test_a_closed_day_refuses_every_write(endpoint, role, world, request):
    client = request.getfixturevalue(f"as_{role}")
    close_the_day(world)
    before = snapshot()
    response = _send(client, endpoint, world)
    assert response.status_code == 403
    assert snapshot() == before


@closed_refused
def test_a_closed_day_tells_htmx_why(endpoint, world, as_admin):
    """htmx requests get the same 403 with a notice the page shows (studylog.js)."""
    close_the_day(world)
    before = snapshot()
    response = _send(as_admin, endpoint, world, **HTMX)
    assert response.status_code == 403
    assert response["X-Day-Closed"] == "1"
    assert 'class="notice notice-warn refusal"' in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("role", ["member", "moderator", "admin"])
@pytest.mark.parametrize("endpoint", CLOSED_ALLOWED, ids=[e.name for e in CLOSED_ALLOWED])
def test_a_closed_day_can_still_be_read_and_each_log_written(endpoint, role, world, request):
    client = request.getfixturevalue(f"as_{role}")
    close_the_day(world)
    before = snapshot()
    response = _send(client, endpoint, world)
    assert response.status_code == endpoint.ok, response.content[:500]
    assert (snapshot() != before) == endpoint.writes


@pytest.mark.parametrize("role", ["observer", "member"])
def test_who_may_not_close_the_day_cannot_close_it(role, world, request):
    client = request.getfixturevalue(f"as_{role}")
    before = snapshot()
    assert client.post(day_url("day_close")(world)).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("role", ["observer", "member", "moderator"])
def test_only_an_admin_reopens_a_day(role, world, request):
    client = request.getfixturevalue(f"as_{role}")
    close_the_day(world)
    before = snapshot()
    assert client.post(day_url("day_reopen")(world)).status_code == 403
    assert snapshot() == before


def test_a_member_cannot_hand_the_day_to_someone_else(world, as_member):
    """Otherwise the review rights above would be one session edit away."""
    before = Day.objects.filter(pk=world.day.pk).values().get()
    body = session_body(world) | {"moderator": str(world.member.pk)}
    response = as_member.post(day_url("session_edit")(world), body)
    assert response.status_code == 422
    assert "moderator" in response.context["form"].errors
    assert Day.objects.filter(pk=world.day.pk).values().get() == before


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_the_moderator_or_an_admin_can_hand_the_day_over(role, world, request):
    client = request.getfixturevalue(f"as_{role}")
    body = session_body(world) | {"moderator": str(world.member.pk)}
    assert client.post(day_url("session_edit")(world), body).status_code == 200
    assert Day.objects.get(pk=world.day.pk).moderator == world.member


def test_a_day_without_a_moderator_can_be_given_one_by_any_member(world, as_member):
    Day.objects.filter(pk=world.day.pk).update(moderator=None)
    world.day.refresh_from_db()
    body = session_body(world) | {"moderator": str(world.member.pk)}
    assert as_member.post(day_url("session_edit")(world), body).status_code == 200
    assert Day.objects.get(pk=world.day.pk).moderator == world.member


def test_the_moderator_of_another_day_has_no_say_on_this_one(world, as_moderator):
    """Moderating is per day: the same member is an ordinary member on other days."""
    other = DayFactory(team=world.team, date=datetime.date(2024, 3, 5), number=2)
    review = ReviewFactory(day=other)
    before = snapshot()
    for name in ("reviews_suggest", "day_close"):
        url = reverse(f"peer:{name}", kwargs={"team": "alpha", "date": other.date})
        send = as_moderator.get if name == "reviews_suggest" else as_moderator.post
        assert send(url).status_code == 403, name
    url = reverse(
        "peer:item_edit",
        kwargs={"team": "alpha", "date": other.date, "kind": "review", "pk": review.pk},
    )
    assert as_moderator.post(url, {**ITEM_FIELDS["review"], "version": "1"}).status_code == 403
    assert snapshot() == before


# --- addressing other teams' rows through this team's URLs ---------------------------


@pytest.fixture
def beta_day(other_team, outsider, world):
    """Beta's day on the same date as alpha's, with one item of every kind."""
    day = DayFactory(team=other_team, date=world.day.date, number=1)
    day.beta_items = {kind: make(day=day) for kind, make in ITEM_FACTORIES.items()}
    return day


@pytest.mark.parametrize("kind", list(ITEM_FACTORIES))
@pytest.mark.parametrize(
    ("view", "method", "body"),
    [
        ("item", "get", None),
        ("item_edit", "get", None),
        ("item_edit", "post", "edit"),
        ("item_delete", "post", {"version": "1"}),
        ("item_move", "post", {"direction": "down"}),
    ],
)
def test_another_teams_item_through_this_teams_url_is_404(
    kind, view, method, body, world, beta_day, as_admin
):
    foreign = beta_day.beta_items[kind]
    url = reverse(
        f"peer:{view}",
        kwargs={"team": "alpha", "date": world.day.date, "kind": kind, "pk": foreign.pk},
    )
    before = snapshot()
    if method == "get":
        response = as_admin.get(url)
    else:
        data = {**ITEM_FIELDS[kind], "version": "1"} if body == "edit" else body
        response = as_admin.post(url, data)
    assert response.status_code == 404
    assert snapshot() == before


def test_another_teams_day_through_this_teams_url_is_404(world, other_team, as_admin):
    beta_only = DayFactory(team=other_team, date=datetime.date(2024, 5, 1), number=7)
    for name in ["day", "day_edit", "day_state", "session", "log_edit"]:
        url = reverse(f"peer:{name}", kwargs={"team": "alpha", "date": beta_only.date})
        assert as_admin.get(url).status_code == 404, name
    before = snapshot()
    url = reverse("peer:day_delete", kwargs={"team": "alpha", "date": beta_only.date})
    assert as_admin.post(url).status_code == 404
    assert snapshot() == before


def test_another_teams_template_through_this_teams_url_is_404(world, other_team, as_admin):
    foreign = other_team.day_templates.get()
    edit = reverse("peer:day_template_edit", kwargs={"team": "alpha", "pk": foreign.pk})
    retire = reverse("peer:day_template_retire", kwargs={"team": "alpha", "pk": foreign.pk})
    before = snapshot()
    assert as_admin.get(edit).status_code == 404
    assert as_admin.post(edit, template_body(world)).status_code == 404
    assert as_admin.post(retire).status_code == 404
    assert snapshot() == before
    assert other_team.day_templates.get().is_active


def test_another_teams_member_through_this_teams_url_is_404(world, outsider, as_admin):
    foreign = outsider.memberships.get()
    edit = reverse("peer:member_edit", kwargs={"team": "alpha", "member": foreign.pk})
    record = reverse(
        "peer:member_day", kwargs={"team": "alpha", "date": world.day.date, "member": foreign.pk}
    )
    before = snapshot()
    assert as_admin.get(edit).status_code == 404
    assert (
        as_admin.post(edit, member_edit_body(world) | {"display_name": "탈취"}).status_code == 404
    )
    assert as_admin.get(record).status_code == 404
    assert snapshot() == before


def test_a_reviewer_cannot_pick_another_teams_member(world, outsider, as_member):
    """Member pickers only accept the team's own members: 422, nothing saved."""
    url = item_url("item_create", "question")(world)
    before = snapshot()
    body = {**ITEM_FIELDS["question"], "asked_by": str(outsider.memberships.get().pk)}
    response = as_member.post(url, body)
    assert response.status_code == 422
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/teams/alpha/days/2026-02-31/",
        "/teams/alpha/days/2026-02-31/edit/",
        "/teams/alpha/days/2026-02-31/state/",
        "/teams/alpha/days/2026-13-01/",
        "/teams/alpha/days/2026-02-31/items/question/",
    ],
)
def test_a_date_that_does_not_exist_is_404(path, world, as_admin):
    assert as_admin.get(path).status_code == 404


def test_an_unknown_kind_of_item_is_404(world, as_admin):
    url = reverse(
        "peer:item_list", kwargs={"team": "alpha", "date": world.day.date, "kind": "bogus"}
    )
    assert as_admin.get(url).status_code == 404


def test_an_unknown_team_is_404(world, as_admin):
    assert as_admin.get(reverse("peer:team", kwargs={"team": "nope"})).status_code == 404


def test_a_deactivated_member_is_an_outsider(world, as_member):
    Membership.objects.filter(pk=world.member.pk).update(is_active=False)
    before = snapshot()
    assert as_member.get(reverse("peer:team", kwargs={"team": "alpha"})).status_code == 404
    url = item_url("item_create", "question")(world)
    assert as_member.post(url, ITEM_FIELDS["question"]).status_code == 404
    assert snapshot() == before


def test_the_outsider_is_welcome_in_their_own_team(world, other_team, as_outsider):
    """The 404s above come from membership, not from the outsider's account being broken."""
    assert as_outsider.get(reverse("peer:team", kwargs={"team": "beta"})).status_code == 200


def test_an_item_list_shows_only_this_teams_items(world, beta_day, as_member):
    """The item list through alpha's URL shows alpha's items only."""
    url = item_url("item_list", "question")(world)
    content = as_member.get(url).content.decode()
    for question in world.items["question"]:
        assert f'id="question-{question.pk}"' in content
    assert f'id="question-{beta_day.beta_items["question"].pk}"' not in content
    assert Question.objects.filter(day=beta_day).count() == 1
