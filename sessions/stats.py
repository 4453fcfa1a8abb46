"""A team's statistics: per-member figures and weekly series, each in a fixed number of queries.

Every function here runs the same number of queries however many days, members or
items a team has: per-member figures are correlated COUNT subqueries on one query
over the memberships, series are GROUP BY queries bucketed into weeks in Python.
A period (from/to, both optional and inclusive) narrows everything to the days in it;
a follow-up's closing is counted in the week it was resolved, where the team meets.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext

from .models import ActionItem, AssignmentReview, Attendance, Day, Membership, Question, Team

Status = Attendance.Status
STATUSES = (Status.PRESENT, Status.LATE, Status.ABSENT, Status.EXCUSED)
ONE_WEEK = datetime.timedelta(weeks=1)


# -- The period ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Inclusive date bounds; None on either side means open-ended."""

    start: datetime.date | None = None
    end: datetime.date | None = None

    def q(self, lookup: str) -> Q:
        """A filter keeping rows whose `lookup` (a date) falls in the period."""
        q = Q()
        if self.start:
            q &= Q(**{f"{lookup}__gte": self.start})
        if self.end:
            q &= Q(**{f"{lookup}__lte": self.end})
        return q

    @property
    def is_bounded(self) -> bool:
        return bool(self.start or self.end)

    def as_query(self) -> str:
        """The period as a query string for links (CSV downloads keep the period)."""
        parts = []
        if self.start:
            parts.append(f"from={self.start.isoformat()}")
        if self.end:
            parts.append(f"to={self.end.isoformat()}")
        return "&".join(parts)


def week_of(date: datetime.date) -> datetime.date:
    """The Monday starting the ISO week `date` is in."""
    return date - datetime.timedelta(days=date.weekday())


def _weeks(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    weeks, week = [], week_of(first)
    while week <= last:
        weeks.append(week)
        week += ONE_WEEK
    return weeks


def day_span(team: Team, period: Period) -> tuple[datetime.date, datetime.date] | None:
    """The first and last recorded day in the period (one query), or None if there is none."""
    span = Day.objects.for_team(team).filter(period.q("date")).aggregate(Min("date"), Max("date"))
    if span["date__min"] is None:
        return None
    return span["date__min"], span["date__max"]


# -- Per member --------------------------------------------------------------------------------


@dataclass(kw_only=True)
class AttendanceCounts:
    """Attendance rows by status, for a member or for a day."""

    present: int
    late: int
    absent: int
    excused: int

    @property
    def attended(self) -> int:
        """Sessions taken part in: on time or late."""
        return self.present + self.late

    @property
    def recorded(self) -> int:
        return self.present + self.late + self.absent + self.excused

    @property
    def rate(self) -> int | None:
        """Percent of the recorded sessions attended (excused ones included), or None."""
        return round(100 * self.attended / self.recorded) if self.recorded else None


@dataclass(kw_only=True)
class MemberStats(AttendanceCounts):
    member: Membership
    moderated: int
    reviews: int
    asked: int
    answered: int

    @property
    def has_activity(self) -> bool:
        return any(
            (self.recorded, self.moderated, self.reviews, self.asked, self.answered),
        )


def _count(queryset, column: str):
    """COUNT(*) of `queryset` rows whose `column` is the outer membership, as a subquery."""
    rows = (
        queryset.filter(**{column: OuterRef("pk")})
        .order_by()
        .values(column)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _member_figures(period: Period) -> dict:
    """The per-member counts as subqueries, keyed by MemberStats' field names."""
    attendance = Attendance.objects.filter(period.q("day__date"))
    questions = Question.objects.filter(period.q("day__date"))
    presenting = AssignmentReview.presenters.through.objects.filter(
        period.q("assignmentreview__day__date")
    )
    figures = {
        status.value: _count(attendance.filter(status=status), "member") for status in STATUSES
    }
    return figures | {
        "moderated": _count(Day.objects.filter(period.q("date")), "moderator"),
        "reviews": _count(presenting, "membership"),
        "asked": _count(questions, "asked_by"),
        "answered": _count(questions, "answered_by"),
    }


def member_stats(team: Team, period: Period = Period(), *, member=None) -> list[MemberStats]:
    """Each active member's figures over the period (one query), in roster order.

    Name-only members count (they attend); observers are listed only if they have
    something to show, such as questions they answered. With `member`, just that
    membership's row, whether active or not.
    """
    if member is not None:
        members = Membership.objects.filter(team=team, pk=member.pk)
    else:
        members = Membership.objects.filter(team=team, is_active=True)
    figures = _member_figures(period)
    # Prefixed: some names (reviews) are already relations on Membership.
    annotated = members.annotate(**{f"stat_{name}": value for name, value in figures.items()})
    rows = []
    for m in annotated:
        row = MemberStats(member=m, **{name: getattr(m, f"stat_{name}") for name in figures})
        if member is not None or m.role != Membership.Role.OBSERVER or row.has_activity:
            rows.append(row)
    return rows


# -- Team series ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class DayAttendance(AttendanceCounts):
    date: datetime.date
    number: int


def attendance_by_day(team: Team, period: Period = Period()) -> list[DayAttendance]:
    """Each recorded day's attendance counts by status, oldest first (one query)."""
    counts = {
        status.value: Count("attendances", filter=Q(attendances__status=status))
        for status in STATUSES
    }
    rows = (
        Day.objects.for_team(team)
        .filter(period.q("date"))
        .order_by("date")
        .values("date", "number")
        .annotate(**counts)
    )
    return [DayAttendance(**row) for row in rows]


@dataclass
class WeekCount:
    week: datetime.date  # its Monday
    count: int


def _by_date(queryset, date_field: str = "day__date", **counts) -> dict:
    """{date: {name: n}} for the named counts, grouped by `date_field` in the database."""
    if not counts:
        counts = {"n": Count("pk")}
    rows = queryset.order_by().values(date_field).annotate(**counts)
    return {row.pop(date_field): row for row in rows}


def _bucket(per_date: dict, name: str) -> dict[datetime.date, int]:
    weeks: dict[datetime.date, int] = {}
    for date, row in per_date.items():
        weeks[week_of(date)] = weeks.get(week_of(date), 0) + row[name]
    return weeks


def questions_by_week(team: Team, period: Period = Period()) -> list[WeekCount]:
    """Questions recorded per ISO week, every week from the first day to the last (two queries)."""
    span = day_span(team, period)
    if span is None:
        return []
    per_date = _by_date(Question.objects.filter(period.q("day__date"), day__team=team))
    weeks = _bucket(per_date, "n")
    return [WeekCount(week, weeks.get(week, 0)) for week in _weeks(*span)]


@dataclass
class FollowUpWeek:
    week: datetime.date
    opened: int
    closed: int


@dataclass
class FollowUps:
    weeks: list[FollowUpWeek] = field(default_factory=list)
    still_open: int = 0  # of those opened in the period

    @property
    def opened(self) -> int:
        return sum(w.opened for w in self.weeks)

    @property
    def closed(self) -> int:
        return sum(w.closed for w in self.weeks)


def _follow_up_querysets(team: Team):
    """The team's follow-ups: questions flagged for one, and action items."""
    return (
        Question.objects.filter(day__team=team, needs_follow_up=True),
        ActionItem.objects.filter(day__team=team),
    )


def follow_ups_by_week(team: Team, period: Period = Period()) -> FollowUps:
    """Follow-ups opened (the week of their day) and closed (the week they were resolved,
    in the team's time zone) per ISO week (five queries)."""
    opened: dict[datetime.date, int] = {}
    closed: dict[datetime.date, int] = {}
    still_open = 0
    resolved_on = TruncDate("resolved_at", tzinfo=team.tz)
    for qs in _follow_up_querysets(team):
        per_date = _by_date(
            qs.filter(period.q("day__date")),
            n=Count("pk"),
            still_open=Count("pk", filter=Q(resolved_at__isnull=True)),
        )
        for week, n in _bucket(per_date, "n").items():
            opened[week] = opened.get(week, 0) + n
        still_open += sum(row["still_open"] for row in per_date.values())
        resolved = qs.filter(resolved_at__isnull=False).annotate(resolved_on=resolved_on)
        per_date = _by_date(resolved.filter(period.q("resolved_on")), "resolved_on")
        for week, n in _bucket(per_date, "n").items():
            closed[week] = closed.get(week, 0) + n
    dates = [*opened, *closed]
    span = day_span(team, period)
    if span:
        dates.extend(span)
    if not dates:
        return FollowUps()
    weeks = [
        FollowUpWeek(week, opened.get(week, 0), closed.get(week, 0))
        for week in _weeks(min(dates), max(dates))
    ]
    return FollowUps(weeks, still_open)


# -- One member over time ------------------------------------------------------------------------


@dataclass
class MemberWeek:
    week: datetime.date
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    asked: int = 0
    answered: int = 0


def member_weeks(team: Team, member: Membership, period: Period = Period()) -> list[MemberWeek]:
    """The member's attendance by status and questions asked/answered per ISO week, over
    the team's weeks from its first day to its last (three queries)."""
    span = day_span(team, period)
    if span is None:
        return []
    weeks = {week: MemberWeek(week) for week in _weeks(*span)}
    statuses = Attendance.objects.filter(period.q("day__date"), member=member, day__team=team)
    for date, status in statuses.values_list("day__date", "status"):
        if week_of(date) in weeks:
            row = weeks[week_of(date)]
            setattr(row, status, getattr(row, status) + 1)
    questions = Question.objects.filter(
        Q(asked_by=member) | Q(answered_by=member), period.q("day__date"), day__team=team
    )
    per_date = _by_date(
        questions,
        asked=Count("pk", filter=Q(asked_by=member)),
        answered=Count("pk", filter=Q(answered_by=member)),
    )
    for date, row in per_date.items():
        if week_of(date) in weeks:
            weeks[week_of(date)].asked += row["asked"]
            weeks[week_of(date)].answered += row["answered"]
    return list(weeks.values())


# -- Tables and CSV ------------------------------------------------------------------------------


@dataclass
class Table:
    """A header and rows of plain values: what a CSV download holds."""

    header: list[str]
    rows: list[list]


def members_table(rows: list[MemberStats]) -> Table:
    return Table(
        [
            gettext("Member"),
            gettext("Sessions attended"),
            gettext("Present"),
            gettext("Late"),
            gettext("Absent"),
            gettext("Excused"),
            gettext("Attendance rate (%)"),
            gettext("Days moderated"),
            gettext("Reviews presented"),
            gettext("Questions asked"),
            gettext("Questions answered"),
        ],
        [
            [
                r.member.display_name,
                r.attended,
                r.present,
                r.late,
                r.absent,
                r.excused,
                "" if r.rate is None else r.rate,
                r.moderated,
                r.reviews,
                r.asked,
                r.answered,
            ]
            for r in rows
        ],
    )


def attendance_table(days: list[DayAttendance]) -> Table:
    return Table(
        [
            gettext("Date"),
            gettext("Day"),
            gettext("Present"),
            gettext("Late"),
            gettext("Absent"),
            gettext("Excused"),
            gettext("Attendance rate (%)"),
        ],
        [
            [
                d.date.isoformat(),
                d.number,
                d.present,
                d.late,
                d.absent,
                d.excused,
                "" if d.rate is None else d.rate,
            ]
            for d in days
        ],
    )


def questions_table(weeks: list[WeekCount]) -> Table:
    return Table(
        [gettext("Week of"), gettext("Questions")],
        [[w.week.isoformat(), w.count] for w in weeks],
    )


def follow_ups_table(follow_ups: FollowUps) -> Table:
    return Table(
        [gettext("Week of"), gettext("Opened"), gettext("Resolved")],
        [[w.week.isoformat(), w.opened, w.closed] for w in follow_ups.weeks],
    )


def member_weeks_table(weeks: list[MemberWeek]) -> Table:
    return Table(
        [
            gettext("Week of"),
            gettext("Present"),
            gettext("Late"),
            gettext("Absent"),
            gettext("Excused"),
            gettext("Questions asked"),
            gettext("Questions answered"),
        ],
        [
            [w.week.isoformat(), w.present, w.late, w.absent, w.excused, w.asked, w.answered]
            for w in weeks
        ],
    )


# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would run it as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(table: Table) -> str:
    """The table as CSV with a byte-order mark, so Excel reads the Korean as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in table.header])
    writer.writerows([safe_cell(cell) for cell in row] for row in table.rows)
    return out.getvalue()
