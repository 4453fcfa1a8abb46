"""A team's day templates, kept by its admins: the list, a new one, an edit (a new
version), retiring one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import day_templates
from ..access import get_team_for
from ..forms.templates import TemplateForm
from ..models import DayTemplate


@login_required
def template_list(request, team):
    team, membership = get_team_for(request, team, admin=True)
    templates = day_templates.active(team)
    return render(
        request,
        "peer/day_templates/list.html",
        {"team": team, "membership": membership, "templates": templates},
    )


@login_required
def template_create(request, team):
    team, membership = get_team_for(request, team, admin=True)
    return _edit(request, team, membership, None)


@login_required
def template_edit(request, team, pk):
    team, membership = get_team_for(request, team, admin=True)
    template = get_object_or_404(DayTemplate, team=team, pk=pk, is_active=True)
    return _edit(request, team, membership, template)


def _edit(request, team, membership, template):
    current = template.current if template else None
    data = request.POST if request.method == "POST" else None
    form = TemplateForm(data, team=team, template=template, instance=current)
    if data is not None and form.is_valid():
        try:
            day_templates.save(form, team=team, user=request.user, template=template)
        except IntegrityError:  # the same name saved a moment ago in another window
            form.add_error("name", _("This team already has a template of that name."))
        else:
            messages.success(request, _("Template saved. Days made before keep their version."))
            return redirect("peer:day_templates", team=team.slug)
    context = {"team": team, "membership": membership, "form": form, "template": template}
    context["version"] = current
    status = 422 if data is not None else 200
    return render(request, "peer/day_templates/form.html", context, status=status)


@login_required
@require_POST
def template_retire(request, team, pk):
    team, membership = get_team_for(request, team, admin=True, write=True)
    template = get_object_or_404(DayTemplate, team=team, pk=pk, is_active=True)
    day_templates.retire(template)
    messages.success(request, _("Template retired. The days made from it keep it."))
    return redirect("peer:day_templates", team=team.slug)
