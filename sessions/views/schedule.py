"""The moderator schedule page: rotation, swaps, substitutes, skipped dates.

Anyone in the team reads the schedule. Swapping two dates or naming a substitute
is for admins and for the scheduled moderator of a date involved; skipping dates
is for admins. Each change is a plain form post that redirects back to the page,
or re-renders it with the errors beside the fields and nothing saved.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import dates, schedule
from ..access import get_team_for
from ..forms.schedule import SkipForm, SubstituteForm, SwapForm
from ..models import SkippedDate

UPCOMING = 20  # session dates listed ahead: four weeks of a Monday-to-Friday team
HISTORY = datetime.timedelta(days=28)  # how far back the page looks
CHANGED = gettext_lazy("The schedule changed meanwhile. Check the dates and try again.")


@dataclass(frozen=True)
class Row:
    """One line of the schedule: a session date's slot, or a skipped date."""

    date: datetime.date
    slot: schedule.Slot | None = None
    skipped: SkippedDate | None = None


def _rows(team, start: datetime.date, end: datetime.date) -> list[Row]:
    rows = [Row(s.date, slot=s) for s in schedule.schedule(team, start, end)]
    skipped = SkippedDate.objects.filter(team=team, date__range=(start, end))
    rows += [Row(s.date, skipped=s) for s in skipped]
    return sorted(rows, key=lambda r: r.date)


def _render(request, team, membership, today, **forms):
    upcoming = schedule.next_session_dates(team, today, UPCOMING)
    end = upcoming[-1] if upcoming else today
    rows = _rows(team, today - HISTORY, end)
    mine = any(r.slot and r.slot.moderator == membership for r in rows if r.date >= today)
    picked = _date_param(request.GET.get("date"))
    context = {
        "team": team,
        "membership": membership,
        "today": today,
        "past": [r for r in rows if r.date < today],
        "upcoming": [r for r in rows if r.date >= today],
        "later_skipped": (
            SkippedDate.objects.filter(team=team, date__gt=end) if membership.is_admin else []
        ),
        "weekdays": _weekdays(team.weekdays),
        # Members see the forms only when they have a date of their own to change.
        "can_change": membership.can_write and (membership.is_admin or mine),
        "swap_form": forms.get("swap_form")
        or SwapForm(prefix="swap", team=team, today=today, initial={"first": picked}),
        "substitute_form": forms.get("substitute_form")
        or SubstituteForm(prefix="sub", team=team, today=today, initial={"date": picked}),
        "skip_form": forms.get("skip_form") or SkipForm(prefix="skip", team=team),
    }
    return render(request, "peer/schedule.html", context)


def _weekdays(days: set[int]) -> str:
    """Session weekdays for a heading: runs of three or more as ranges ("Mon–Fri")."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    names = [[str(WEEKDAYS_ABBR[d]) for d in run] for run in runs]
    return "·".join(f"{n[0]}–{n[-1]}" if len(n) > 2 else "·".join(n) for n in names)


def _date_param(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


def _day(date: datetime.date) -> str:
    return dates.short_date(date)  # with the year when not this year


def _back_to_back(clash: schedule.BackToBack) -> str:
    return _(
        "%(name)s would moderate two session days in a row (%(date)s). "
        "Choose another date or another member."
    ) % {"name": clash.member, "date": _day(clash.date)}


@login_required
def schedule_page(request, team):
    team, membership = get_team_for(request, team)
    return _render(request, team, membership, schedule.local_today(team))


def _change_moderators(request, team, form_class, prefix: str, context_key: str, apply):
    """A swap or a substitute: admins, or the scheduled moderator of a date it names.

    `apply(team, cleaned_data)` writes the change and returns the message to show; the permission is
    decided on the dates as sent, so a member who moderates none may not even probe.
    """
    team, membership = get_team_for(request, team, write=True)
    today = schedule.local_today(team)
    form = form_class(request.POST, prefix=prefix, team=team, today=today)
    valid = form.is_valid()
    if not (membership.is_admin or form.involves(membership)):
        raise PermissionDenied
    if valid:
        try:
            message = apply(team, form.cleaned_data)
        except schedule.BackToBack as clash:
            form.add_error(None, _back_to_back(clash))
        except schedule.Unchangeable:  # a day closed since the form was checked
            form.add_error(None, CHANGED)
        else:
            messages.success(request, message)
            return redirect("peer:schedule", team=team.slug)
    return _render(request, team, membership, today, **{context_key: form})


@login_required
@require_POST
def swap_dates(request, team):
    def apply(team, data):
        first, second = data["first"], data["second"]
        schedule.swap(team, first, second, user=request.user)
        return _("Swapped the moderators of %(first)s and %(second)s.") % {
            "first": _day(first),
            "second": _day(second),
        }

    return _change_moderators(request, team, SwapForm, "swap", "swap_form", apply)


@login_required
@require_POST
def substitute(request, team):
    def apply(team, data):
        date, member = data["date"], data["member"]
        schedule.assign(team, date, member, user=request.user)
        return _("%(name)s will moderate on %(date)s.") % {"name": member, "date": _day(date)}

    return _change_moderators(request, team, SubstituteForm, "sub", "substitute_form", apply)


@login_required
@require_POST
def skip_date(request, team):
    team, membership = get_team_for(request, team, admin=True)
    form = SkipForm(request.POST, prefix="skip", team=team)
    if form.is_valid():
        try:
            skipped = schedule.skip(form)
        except schedule.AlreadySkipped:  # another admin skipped the same date a moment ago
            form.add_error("date", _("This date is already skipped."))
        except schedule.BackToBack as clash:
            form.add_error("date", _back_to_back(clash))
        else:
            messages.success(request, _("No session on %(date)s.") % {"date": _day(skipped.date)})
            return redirect("peer:schedule", team=team.slug)
    return _render(request, team, membership, schedule.local_today(team), skip_form=form)


@login_required
@require_POST
def unskip_date(request, team, pk):
    team, membership = get_team_for(request, team, admin=True)
    skipped = get_object_or_404(SkippedDate, team=team, pk=pk)
    skipped.delete()
    messages.success(request, _("%(date)s is a session day again.") % {"date": _day(skipped.date)})
    return redirect("peer:schedule", team=team.slug)
