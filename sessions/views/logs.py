"""Each member's own log for a day: study links and retrospective."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import services
from ..access import get_day_for
from ..forms.logs import MemberLogForm, StudyLinkFormSet
from ..models import MemberLog


def _conflict(request, context, data, day, membership):
    """The same member saved these notes in another window first: show that version,
    keep what was typed here, and let a second save replace it deliberately."""
    theirs = MemberLog.objects.own(day, membership)
    mine = MemberLog.objects.own(day, membership)  # a separate copy: binding the form changes it
    data = data.copy()
    data["version"] = str(mine.version if mine.pk else 0)
    form = MemberLogForm(data, instance=mine, team=context["team"])
    formset = StudyLinkFormSet(data, instance=mine, prefix="links")
    form.is_valid() and formset.is_valid()
    context.update(form=form, formset=formset, theirs=theirs, my_log=mine)
    return render(request, "peer/edit/_log_form.html", context, status=409)


@login_required
def log_edit(request, team, date):
    team, membership, day = get_day_for(request, team, date, write=True)
    log = MemberLog.objects.own(day, membership)
    data = request.POST if request.method == "POST" else None
    form = MemberLogForm(data, instance=log, team=team)
    formset = StudyLinkFormSet(data, instance=log, prefix="links")
    context = {"team": team, "membership": membership, "day": day, "my_log": log}
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
            return _conflict(request, context, data, day, membership)
        context["my_log"] = MemberLog.objects.own(day, membership)
        return render(request, "peer/edit/_log.html", context)
    context.update(form=form, formset=formset)
    return render(request, "peer/edit/_log_form.html", context, status=422)
