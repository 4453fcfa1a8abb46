"""An invented demo team with two weeks of peer-session records, for trying Studylog out.

Everything in it is made up: the team, its members, their questions and retrospectives.
The words live in team.toml and days.toml beside this module; the functions here turn
them into rows. `load_demo` is called by `manage.py loaddemo` (and `make run` on an
empty database).
"""

import datetime
import functools
import itertools
import pathlib
import tomllib

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .. import comments, schedule, search_index
from ..kinds import KINDS
from ..models import (
    ActionItem,
    AssignmentReview,
    Attendance,
    Comment,
    Day,
    DayTemplate,
    FreeSection,
    MemberLog,
    Membership,
    Question,
    SkippedDate,
    StudyLink,
    Suggestion,
    Team,
    TemplateVersion,
    WeekRetro,
)
from ..models.templates import BUILT_IN_NAME
from ..weeks import monday_of

DEMO_SLUG = "demo"
DEMO_PASSWORD = "studylog-demo"
# Invented addresses on the domain reserved for examples (RFC 2606): the demo's reminders
# have somewhere to go, and nobody real receives them.
DEMO_EMAIL_DOMAIN = "example.com"

# The project runs from its checkout, so the data files sit beside this module.
DATA_DIR = pathlib.Path(__file__).parent


@functools.cache
def _data(name: str) -> dict:
    """One of the demo's data files (`team` or `days`), read once; not to be changed."""
    with (DATA_DIR / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


class DemoError(Exception):
    """The demo cannot be loaded here (its team or one of its accounts already exists)."""


def demo_login() -> dict:
    """What someone needs to try the demo: username, password and the team's page."""
    return {
        "username": _data("team")["members"][0]["username"],
        "password": DEMO_PASSWORD,
        "team": DEMO_SLUG,
        "path": reverse("peer:team", args=[DEMO_SLUG]),
    }


def demo_email(username: str) -> str:
    return f"{username}@{DEMO_EMAIL_DOMAIN}"


def session_dates(today: datetime.date, count: int = 10) -> list[datetime.date]:
    """The `count` weekdays ending on the last weekday on or before `today`, oldest first."""
    dates = []
    date = today
    while len(dates) < count:
        if date.weekday() < 5:
            dates.append(date)
        date -= datetime.timedelta(days=1)
    return dates[::-1]


@transaction.atomic
def load_demo(*, stdout=None) -> dict:
    """Create the demo team with two weeks of records; return the demo login.

    Refuses (DemoError) rather than touching existing rows: a real account named
    `demo` must never get the published demo password.
    """
    data = _data("team")
    usernames = [member["username"] for member in data["members"]] + [data["mentor_username"]]
    if Team.objects.filter(slug=DEMO_SLUG).exists():
        raise DemoError(f"A team with the address {DEMO_SLUG!r} already exists.")
    User = get_user_model()
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise DemoError(f"These accounts already exist: {', '.join(taken)}.")

    days_data = _data("days")["days"]
    dates = session_dates(timezone.localdate(), len(days_data))
    # Day1 is the first demo day; the rest of the calendar is in team.toml.
    team = Team.objects.create(slug=DEMO_SLUG, starts_on=dates[0], **data["team"])
    members = _create_members(team)
    _create_templates(team, members, data.get("templates", []))
    with search_index.deferred():  # index each day once, not after every row
        for number, (date, day_data) in enumerate(zip(dates, days_data, strict=True), start=1):
            _create_day(team, members, number, date, day_data)
    # The days were made from the built-in template every team has.
    built_in = TemplateVersion.objects.get(template__team=team, template__name=BUILT_IN_NAME)
    Day.objects.filter(team=team).update(template_version=built_in)
    WeekRetro.objects.create(
        team=team,
        monday=monday_of(dates[0]),
        retrospective=data["week_retro"]["text"].strip() + "\n",
        version=1,
        updated_by=next(iter(members.values())).user,
    )
    _plan_ahead(team, members, after=dates[-1])

    login = demo_login()
    if stdout is not None:
        stdout.write(
            f"Created team {team.name} ({team.slug}): {len(data['members'])} members, "
            f"1 observer, {len(dates)} days from {dates[0]} to {dates[-1]}."
        )
    return login


def _create_templates(team: Team, members: dict[str, Membership], rows: list[dict]) -> None:
    admin = next(iter(members.values())).user  # the first member: the team's admin
    for row in rows:
        fields = {
            name: value.strip() + "\n" if isinstance(value, str) else value
            for name, value in row.items()
            if name != "name"
        }
        template = DayTemplate.objects.create(team=team, name=row["name"])
        TemplateVersion.objects.create(template=template, number=1, created_by=admin, **fields)


def _create_members(team: Team) -> dict[str, Membership]:
    """Accounts and memberships for everyone, keyed by display name."""
    data = _data("team")
    User = get_user_model()
    # One hash for all: the password is the same and hashing is deliberately slow.
    password = make_password(DEMO_PASSWORD)
    members = {}
    for order, member in enumerate(data["members"], start=1):
        name = member["name"]
        user = User.objects.create(
            username=member["username"],
            email=demo_email(member["username"]),
            first_name=name,
            password=password,
        )
        role = Membership.Role.ADMIN if order == 1 else Membership.Role.MEMBER
        members[name] = Membership.objects.create(
            team=team, user=user, display_name=name, role=role, rotation_order=order
        )
    name = team.mentor
    username = data["mentor_username"]
    user = User.objects.create(
        username=username, email=demo_email(username), first_name=name, password=password
    )
    # Observers are not in the rotation; the last place keeps them at the end of lists.
    members[name] = Membership.objects.create(
        team=team,
        user=user,
        display_name=name,
        role=Membership.Role.OBSERVER,
        rotation_order=len(data["members"]) + 1,
    )
    return members


def _resolved(resolved: dict, date: datetime.date, members: dict[str, Membership]) -> dict:
    """The fields of an item closed `after_days` after its day, at six in the evening."""
    at = datetime.datetime.combine(
        date + datetime.timedelta(days=resolved["after_days"]),
        datetime.time(18, 0),
        timezone.get_current_timezone(),
    )
    return {
        "resolution": resolved["answer"],
        "resolved_by": members[resolved["by"]],
        "resolved_at": at,
    }


def _create_day(
    team: Team, members: dict[str, Membership], number: int, date: datetime.date, data: dict
) -> Day:
    """One day of days.toml: its attendance, items and every member's log."""
    rotation = [members[member["name"]] for member in _data("team")["members"]]
    moderator = rotation[(number - 1) % len(rotation)]
    editor = moderator.user
    day = Day.objects.create(
        team=team,
        date=date,
        number=number,
        moderator=moderator,
        tags=data["tags"],
        version=1,
        updated_by=editor,
    )

    noted = {row["member"]: row for row in data.get("attendance", [])}
    statuses = {}
    for member in rotation:
        row = noted.get(member.display_name, {"status": "present", "note": ""})
        statuses[member] = Attendance.Status(row["status"])
        Attendance.objects.create(day=day, member=member, status=statuses[member], note=row["note"])

    common = {"day": day, "version": 1, "updated_by": editor}
    for position, item in enumerate(data.get("suggestions", []), start=1):
        Suggestion.objects.create(**common, position=position, **item)
    for position, item in enumerate(data.get("reviews", []), start=1):
        fields = dict(item)
        presenters = [members[name] for name in fields.pop("presenters")]
        review = AssignmentReview.objects.create(**common, position=position, **fields)
        review.presenters.set(presenters)
    for position, item in enumerate(data.get("questions", []), start=1):
        fields = dict(item, asked_by=members[item["asked_by"]])
        fields["answered_by"] = members[item["answered_by"]]
        if "resolved" in fields:
            fields.update(_resolved(fields.pop("resolved"), date, members))
        Question.objects.create(**common, position=position, **fields)
    for position, item in enumerate(data.get("sections", []), start=1):
        FreeSection.objects.create(**common, position=position, **item)
    for position, item in enumerate(data.get("actions", []), start=1):
        fields = {"text": item["text"], "owner": members[item["owner"]]}
        fields["due_date"] = date + datetime.timedelta(days=item["due_after_days"])
        if "resolved" in item:
            fields.update(_resolved(item["resolved"], date, members))
        ActionItem.objects.create(day=day, version=1, position=position, **fields)

    for index, member in enumerate(rotation):
        _create_log(day, member, index, data, statuses[member], moderator)
    _create_comments(day, members, data.get("comments", []))
    return day


def _create_comments(day: Day, members: dict[str, Membership], rows: list[dict]) -> None:
    """The day's comments and their replies, written through sessions/comments.py (so the
    mentions in them reach the home page), dated that evening, a few minutes apart."""
    evening = datetime.datetime.combine(day.date, day.team.session_end, tzinfo=day.team.tz)
    said = itertools.count(1)

    def post(row: dict, **where) -> Comment:
        author = members[row["author"]]
        comment = comments.post(day=day, author=author, body=row["body"], user=author.user, **where)
        at = min(evening + datetime.timedelta(minutes=7 * next(said)), timezone.now())
        Comment.objects.filter(pk=comment.pk).update(created_at=at)
        return comment

    for row in rows:
        target = ("", None)
        if "on" in row:
            kind, place = row["on"].split()
            item = getattr(day, KINDS[kind].related).order_by("position")[int(place) - 1]
            target = (kind, item.pk)
        parent = post(row, target=target)
        for reply in row.get("replies", []):
            post(reply, target=target, parent=parent)


def _create_log(
    day: Day, member: Membership, index: int, data: dict, status: str, moderator: Membership
) -> MemberLog:
    """One member's retrospective, 1–3 study badges and some days 학습 내용 notes, varied
    by day and member."""
    pieces = _data("team")["retrospectives"]
    number = day.number
    point = data["points"][(number + index) % len(data["points"])]
    if status in Attendance.PRESENT_STATUSES:
        body = pieces["bodies"][(number + 2 * index) % len(pieces["bodies"])].format(point=point)
    else:
        body = pieces["missed"].format(point=point)
    if member == moderator:
        closing = pieces["moderator"]
    else:
        closing = pieces["closings"][(number + index) % len(pieces["closings"])]
    # A few logs are kept private, as members sometimes do for a rough day.
    private = (3 * number + index) % 10 == 0
    # About half the logs have 학습 내용 notes under the badges, as real posts do.
    notes = pieces["notes"][(number + index) % len(pieces["notes"])].format(point=point)
    log = MemberLog.objects.create(
        day=day,
        member=member,
        retrospective=f"{body}\n\n{closing}",
        study_notes=notes if (number + index) % 2 == 0 else "",
        visibility=MemberLog.Visibility.PRIVATE if private else MemberLog.Visibility.TEAM,
        version=1,
        updated_by=member.user,
    )

    username = member.user.get_username()
    resources = data["resources"]
    badges = [
        {
            "title": data["topic"],
            "url": f"https://example.com/{username}/day{number}",
            "color": "red",
        }
    ]
    for offset in range((number + index) % 3):
        badges.append(resources[(index + offset) % len(resources)])
    StudyLink.objects.bulk_create(
        StudyLink(log=log, position=position, **badge)
        for position, badge in enumerate(badges, start=1)
    )
    return log


def _plan_ahead(team: Team, members: dict[str, Membership], *, after: datetime.date) -> None:
    """The weeks ahead: a special-lecture day off, and a substitute for an interview."""
    data = _data("team")
    upcoming = schedule.next_session_dates(team, after + datetime.timedelta(days=1), 4)
    SkippedDate.objects.create(team=team, date=upcoming[3], reason=data["plan"]["day_off_reason"])
    away = schedule.scheduled_moderator(team, upcoming[1])
    stand_in = next(members[name] for name in data["plan"]["stand_ins"] if members[name] != away)
    admin = members[data["members"][0]["name"]]
    schedule.assign(team, upcoming[1], stand_in, user=admin.user)
