"""A team's week as a Jekyll post, "N주차 팀 회고", and that post read back.

The post has the front matter of a day's post (export.py), then the week rolled up
(sessions/weeks.py: its days, decisions, questions, action items and attendance) and,
last, the team's retrospective of the week under its own heading. Everything but the
retrospective is made from the days, so importing a week post (importer.py) reads the
retrospective alone, dated by `last_modified_at`; the days come back with their own
posts. N counts weeks from the team's first session day (or its first recorded day).
"""

import datetime
import re

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Day, Membership, Team, WeekRetro
from ..weeks import monday_of, week_of
from .export import _ascii_slug, _text, post_head
from .inert import inert
from .parse import EARLIEST_DATE, LATEST_AHEAD, read_front_matter

# The retrospective's heading, in each record language: everything after it is the text.
RETRO_HEADINGS = ("## 팀 회고", "## Team retrospective")
_TITLE = re.compile(r"^(?:\d+주차 팀 회고|Week \d+ team retrospective)$")


def title(team: Team, number: int) -> str:
    return f"{number}주차 팀 회고" if team.language == "ko" else f"Week {number} team retrospective"


def first_date(team: Team) -> datetime.date | None:
    """The date week 1 holds: the team's first session day, else its first day."""
    return team.starts_on or (
        Day.objects.filter(team=team).order_by("date").values_list("date", flat=True).first()
    )


def week_number(team: Team, monday: datetime.date, first=None) -> int:
    first = first or first_date(team)
    if first is None:
        return 1
    return max(1, (monday - monday_of(first)).days // 7 + 1)


def filename(team: Team, monday: datetime.date, first=None) -> str:
    base = _ascii_slug(team.course) or team.slug
    sunday = monday + datetime.timedelta(days=6)
    return f"{sunday.isoformat()}-{base}_week{week_number(team, monday, first)}.md"


def render_week_post(
    team: Team, member: Membership, date: datetime.date, *, week=None, first=None
) -> str:
    """The week of `date` as `member`'s post (the week's part of the team: no member's
    retrospective is in it). `week` (weeks.weeks_of's) and `first` (first_date's) spare
    the queries when the caller has them."""
    week = week or week_of(team, None, date)
    number = week_number(team, week.monday, first)
    sunday = week.monday + datetime.timedelta(days=6)
    with translation.override(team.language):
        name = title(team, number)
        category = inert(team.course or team.slug, starts_block=False)
        stamp = week.retro.updated_at if week.retro.pk else timezone.now()
        head = post_head(
            title=name,
            excerpt="about : " + category,
            category=category,
            tags=[name],
            date=sunday,
            last_modified=timezone.localtime(stamp, team.tz).date(),
        )
        parts = [
            head,
            _days(week),
            _decisions(week),
            _questions(week),
            _actions(week),
            _attendance(week),
            f"{RETRO_HEADINGS[0] if team.language == 'ko' else RETRO_HEADINGS[1]}\n\n"
            + inert(_text(week.retro.retrospective)),
        ]
    return "\n\n".join(part.rstrip() for part in parts) + "\n"


def _line(text: str) -> str:
    return inert(" ".join(text.split()), starts_block=False)


def _days(week) -> str:
    heading = _("Days")
    lines = [f"## {heading}", ""]
    for day in week.days:
        lines.append(f"- Day{day.number} {day.date.isoformat()} : {_line(day.display_title)}")
    return "\n".join(lines if week.days else [*lines, "-"])


def _decisions(week) -> str:
    """The week's suggestions with what was decided: those with a decision written, as a
    day's post carries them (a suggestion's status is Studylog's alone, not in posts)."""
    heading = _("Decisions")
    lines = [f"## {heading}", ""]
    decided = [s for s in week.suggestions if s.outcome.strip()]
    for s in decided:
        lines.append(f"- {_line(s.proposal)} → {_line(s.outcome)}")
    return "\n".join(lines if decided else [*lines, "-"])


def _questions(week) -> str:
    heading, follow_up = _("Questions"), _("Needs follow-up")
    lines = [f"## {heading}", ""]
    for q in week.questions:
        who = f" ({q.asked_by.display_name})" if q.asked_by else ""
        still = f" `{follow_up}`" if q.needs_follow_up and not q.is_resolved else ""
        lines.append(f"- {_line(q.question)}{who}{still}")
    return "\n".join(lines if week.questions else [*lines, "-"])


def _actions(week) -> str:
    heading, done_label = _("Action items"), _("Done")
    lines = [f"## {heading}", ""]
    for a in week.actions:
        who = f" ({a.owner.display_name})" if a.owner else ""
        done = f" ({done_label})" if a.is_resolved else ""
        lines.append(f"- {_line(a.text)}{who}{done}")
    return "\n".join(lines if week.actions else [*lines, "-"])


def _attendance(week) -> str:
    heading = _("Attendance")
    lines = [f"## {heading}", ""]
    if not week.attendance:
        return "\n".join([*lines, "-"])
    header = [_("Member"), *(day.date.strftime("%m/%d") for day in week.days), _("Took part")]
    lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in week.attendance:
        cells = [a.get_status_display() if a else "-" for a in row.statuses]
        took = f"{row.took_part} / {len(week.days)}"
        lines.append("| " + " | ".join([_line(row.member.display_name), *cells, took]) + " |")
    return "\n".join(lines)


# Reading one back


def read_week_post(text: str) -> tuple[datetime.date, str, datetime.date | None] | None:
    """(the week's Monday, its team retrospective, last_modified_at) of a week post; None
    for any other post."""
    from .front_matter import split

    parts = split(text)
    if parts is None:
        return None
    values = read_front_matter(parts[1])
    date = values.get("date")
    if not _TITLE.match((values.get("title") or "").strip()) or date is None:
        return None
    if not EARLIEST_DATE <= date <= timezone.localdate() + LATEST_AHEAD:
        return None  # read as a day's post, which says what is wrong with its date
    body = "\n".join(parts[2][1:])
    retro = ""
    for heading in RETRO_HEADINGS:
        found = re.search(rf"^{re.escape(heading)}[ \t]*$", body, re.M)
        if found:
            retro = _text(body[found.end() :])
            break
    return monday_of(values["date"]), retro, values.get("last_modified_at")


def import_week_post(team: Team, week: tuple, user=None) -> WeekRetro | None:
    """Keep a week post's team retrospective (`week`, read_week_post's) as the team's for
    that week, replacing what is there; None when the post holds none."""
    monday, retro, modified = week
    if not retro:
        return None
    row = WeekRetro.objects.select_for_update(no_key=True).filter(team=team, monday=monday).first()
    row = row or WeekRetro(team=team, monday=monday, version=0)
    if row.retrospective != retro:
        row.retrospective, row.updated_by = retro, user
        row.version += 1
        row.save()
    if modified is not None:
        moment = datetime.datetime.combine(modified, datetime.time(12), tzinfo=team.tz)
        WeekRetro.objects.filter(pk=row.pk).update(updated_at=moment)
    return row
