"""Statistics pages: the team's charts, one member's figures, and each chart's numbers as CSV.

Every active member may read them, observers included. The figures come from
sessions/stats.py, the SVG from sessions/charts.py; this module only turns the one
into the other and picks labels.
"""

import datetime
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .. import dates, stats
from ..access import get_team_for
from ..charts import Chart, Point, Series
from ..forms.base import parse_id
from ..forms.stats import PeriodForm
from ..models import Membership, Team


def _attendance_series() -> tuple[Series, ...]:
    return (
        Series("present", _("Present")),
        Series("late", _("Late")),
        Series("absent", _("Absent")),
        Series("excused", _("Excused")),
    )


def _short(date: datetime.date) -> str:
    return dates.short_date(date, weekday=False)  # with the year when not this year


def _week_title(week: datetime.date) -> str:
    return _("Week of %(date)s") % {"date": week.isoformat()}


def _csv_url(team: Team, table: str, period: stats.Period, extra: str = "") -> str:
    url = reverse("peer:stats_csv", kwargs={"team": team.slug, "table": table})
    query = "&".join(q for q in (extra, period.as_query()) if q)
    return f"{url}?{query}" if query else url


def _team_charts(team: Team, period: stats.Period, members, days, questions, follow_ups):
    member_urls = {
        r.member.pk: reverse("peer:member_stats", kwargs={"team": team.slug, "member": r.member.pk})
        for r in members
    }
    return {
        "attendance": Chart(
            id="chart-attendance",
            title=_("Attendance by session day"),
            description=_("How many members were present, late, absent or excused each day."),
            category=_("Day"),
            series=_attendance_series(),
            points=[
                Point(
                    _short(d.date),
                    f"{d.date.isoformat()} · Day{d.number}",
                    (d.present, d.late, d.absent, d.excused),
                )
                for d in days
            ],
            stacked=True,
            table_total=True,
            csv_url=_csv_url(team, "attendance", period),
        ),
        "member_attendance": Chart(
            id="chart-member-attendance",
            title=_("Attendance by member"),
            description=_("Each member's recorded sessions: present, late, absent or excused."),
            category=_("Member"),
            series=_attendance_series(),
            points=[
                Point(
                    r.member.display_name,
                    r.member.display_name,
                    (r.present, r.late, r.absent, r.excused),
                    member_urls[r.member.pk],
                )
                for r in members
            ],
            layout="bars",
            stacked=True,
            table_total=True,
            csv_url=_csv_url(team, "members", period),
        ),
        "questions": Chart(
            id="chart-questions",
            title=_("Questions per week"),
            description=_("How many questions the team recorded each week."),
            category=_("Week"),
            series=(Series("questions", _("Questions")),),
            points=[Point(_short(w.week), _week_title(w.week), (w.count,)) for w in questions],
            csv_url=_csv_url(team, "questions", period),
        ),
        "member_questions": Chart(
            id="chart-member-questions",
            title=_("Questions asked and answered by member"),
            description=_("How many questions each member asked, and how many they answered."),
            category=_("Member"),
            series=(Series("asked", _("Asked")), Series("answered", _("Answered"))),
            points=[
                Point(
                    r.member.display_name,
                    r.member.display_name,
                    (r.asked, r.answered),
                    member_urls[r.member.pk],
                )
                for r in members
            ],
            layout="bars",
            csv_url=_csv_url(team, "members", period),
        ),
        "follow_ups": Chart(
            id="chart-follow-ups",
            title=_("Follow-ups opened and closed per week"),
            description=_(
                "Questions that need a follow-up and action items: opened in the week of "
                "their day, closed in the week they were resolved."
            ),
            category=_("Week"),
            series=(Series("opened", _("Opened")), Series("closed", _("Resolved"))),
            points=[
                Point(_short(w.week), _week_title(w.week), (w.opened, w.closed))
                for w in follow_ups.weeks
            ],
            csv_url=_csv_url(team, "follow-ups", period),
        ),
    }


def _summary(members, days, questions, follow_ups) -> dict:
    attended = sum(d.attended for d in days)
    recorded = sum(d.recorded for d in days)
    return {
        "days": len(days),
        "rate": round(100 * attended / recorded) if recorded else None,
        "questions": sum(w.count for w in questions),
        "follow_ups_open": follow_ups.still_open,
        "follow_ups_opened": follow_ups.opened,
    }


@login_required
def team_stats(request, team):
    team, membership = get_team_for(request, team)
    form = PeriodForm(request.GET or None)
    period = form.period()
    members = stats.member_stats(team, period)
    days = stats.attendance_by_day(team, period)
    questions = stats.questions_by_week(team, period)
    follow_ups = stats.follow_ups_by_week(team, period)
    return render(
        request,
        "peer/stats/team.html",
        {
            "team": team,
            "membership": membership,
            "form": form,
            "period": period,
            "members": members,
            "charts": _team_charts(team, period, members, days, questions, follow_ups),
            "summary": _summary(members, days, questions, follow_ups),
            "members_csv": _csv_url(team, "members", period),
        },
    )


def _member_charts(team: Team, member: Membership, period: stats.Period, weeks):
    csv_url = _csv_url(team, "member-weeks", period, extra=f"member={member.pk}")
    return [
        Chart(
            id="chart-member-weeks",
            title=_("Attendance by week"),
            description=_("%(name)s's sessions each week: present, late, absent or excused.")
            % {"name": member.display_name},
            category=_("Week"),
            series=_attendance_series(),
            points=[
                Point(
                    _short(w.week),
                    _week_title(w.week),
                    (w.present, w.late, w.absent, w.excused),
                )
                for w in weeks
            ],
            stacked=True,
            table_total=True,
            csv_url=csv_url,
        ),
        Chart(
            id="chart-member-question-weeks",
            title=_("Questions asked and answered per week"),
            description=_("How many questions %(name)s asked and answered each week.")
            % {"name": member.display_name},
            category=_("Week"),
            series=(Series("asked", _("Asked")), Series("answered", _("Answered"))),
            points=[
                Point(_short(w.week), _week_title(w.week), (w.asked, w.answered)) for w in weeks
            ],
            csv_url=csv_url,
        ),
    ]


@login_required
def member_stats(request, team, member):
    team, membership = get_team_for(request, team)
    member = get_object_or_404(Membership, pk=member, team=team)
    form = PeriodForm(request.GET or None)
    period = form.period()
    (row,) = stats.member_stats(team, period, member=member)
    weeks = stats.member_weeks(team, member, period)
    return render(
        request,
        "peer/stats/member.html",
        {
            "team": team,
            "membership": membership,
            "form": form,
            "period": period,
            "member": member,
            "row": row,
            "charts": _member_charts(team, member, period, weeks),
        },
    )


def _member_weeks_table(request, team: Team, period: stats.Period) -> stats.Table:
    pk = parse_id(request.GET.get("member"))
    if pk is None:
        raise Http404
    member = get_object_or_404(Membership, pk=pk, team=team)
    return stats.member_weeks_table(stats.member_weeks(team, member, period))


# Each download's name in the URL and how it is built; the names match the charts' tables.
TABLES: dict[str, Callable[..., stats.Table]] = {
    "members": lambda request, team, period: stats.members_table(stats.member_stats(team, period)),
    "attendance": lambda request, team, period: stats.attendance_table(
        stats.attendance_by_day(team, period)
    ),
    "questions": lambda request, team, period: stats.questions_table(
        stats.questions_by_week(team, period)
    ),
    "follow-ups": lambda request, team, period: stats.follow_ups_table(
        stats.follow_ups_by_week(team, period)
    ),
    "member-weeks": _member_weeks_table,
}


@login_required
def stats_csv(request, team, table):
    team, _membership = get_team_for(request, team)
    if table not in TABLES:
        raise Http404("No such table")
    period = PeriodForm(request.GET or None).period()
    body = stats.to_csv(TABLES[table](request, team, period))
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{team.slug}-{table}.csv")
    return response
