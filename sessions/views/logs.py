"""Each member's log for a day: study links, notes (학습 내용) and retrospective.

A member writes their own (`log_edit`); a member with no account has theirs written
by an admin or the day's moderator (`member_log_edit`, access.may_write_log). Logs
stay writable on a closed day, whoever writes them.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .. import services
from ..access import get_day_for, require_log_writer
from ..forms.logs import MemberLogForm, StudyLinkFormSet
from ..models import MemberLog, Membership


def _context(team, membership, day, subject, log) -> dict:
    """What the log's panel and form render: whose log, and where it is saved. A
    name-only member's panel is one of several on the page, so it has its own id."""
    own = subject.pk == membership.pk
    if own:
        url = reverse("peer:log_edit", args=[team.slug, day.date])
    else:
        url = reverse("peer:member_log_edit", args=[team.slug, day.date, subject.pk])
    return {
        "team": team,
        "membership": membership,
        "day": day,
        "my_log": log,
        "subject": None if own else subject,
        "log_url": url,
        "panel_id": "log-panel" if own else f"member-log-{subject.pk}",
    }


def _conflict(request, context, data, day, subject):
    """The same log was saved in another window first: show that version, keep what
    was typed here, and let a second save replace it deliberately."""
    theirs = MemberLog.objects.own(day, subject)
    mine = MemberLog.objects.own(day, subject)  # a separate copy: binding the form changes it
    data = data.copy()
    data["version"] = str(mine.version if mine.pk else 0)
    form = MemberLogForm(data, instance=mine, team=context["team"])
    formset = StudyLinkFormSet(data, instance=mine, prefix="links")
    form.is_valid() and formset.is_valid()
    context.update(form=form, formset=formset, theirs=theirs, my_log=mine)
    return render(request, "peer/edit/_log_form.html", context, status=409)


def _edit(request, team, membership, day, subject):
    log = MemberLog.objects.own(day, subject)
    data = request.POST if request.method == "POST" else None
    form = MemberLogForm(data, instance=log, team=team)
    formset = StudyLinkFormSet(data, instance=log, prefix="links")
    context = _context(team, membership, day, subject, log)
    if data is None and "view" in request.GET:
        return render(request, "peer/edit/_log.html", context)
    if data is None:
        return render(
            request, "peer/edit/_log_form.html", {**context, "form": form, "formset": formset}
        )
    if form.is_valid() and formset.is_valid():
        try:
            services.save_log(
                form, formset, expected_version=form.expected_version, user=request.user
            )
        except services.Conflict:
            return _conflict(request, context, data, day, subject)
        context["my_log"] = MemberLog.objects.own(day, subject)
        return render(request, "peer/edit/_log.html", context)
    context.update(form=form, formset=formset)
    return render(request, "peer/edit/_log_form.html", context, status=422)


@login_required
def log_edit(request, team, date):
    team, membership, day = get_day_for(request, team, date, write=True)
    return _edit(request, team, membership, day, membership)


@login_required
def member_log_edit(request, team, date, member):
    """One member's log, by id: a name-only member's, written by an admin or the day's
    moderator; or the member's own (the same as log_edit)."""
    team, membership, day = get_day_for(request, team, date, write=True)
    subject = get_object_or_404(Membership, team=team, pk=member)
    require_log_writer(day, membership, subject)
    return _edit(request, team, membership, day, subject)
