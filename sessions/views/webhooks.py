"""A team's event webhooks, for its admins: subscribe URLs to events, see each one's
deliveries and their outcomes, send one again, turn one off or delete it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import get_team_for
from ..forms.webhooks import WebhookForm
from ..models import WebhookDelivery, WebhookSubscription
from ..webhooks import sending

DELIVERIES_SHOWN = 30


@login_required
def webhook_list(request, team):
    team, membership = get_team_for(request, team, admin=True)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.team, form.instance.created_by = team, request.user
        hook = form.save()
        messages.success(request, _("Webhook added. Give its secret to the receiver."))
        return redirect("peer:webhook", team=team.slug, pk=hook.pk)
    context = {"team": team, "membership": membership, "form": form, "hooks": team.webhooks.all()}
    return render(request, "peer/webhooks/list.html", context, status=422 if form.errors else 200)


def _hook(team, pk) -> WebhookSubscription:
    return get_object_or_404(WebhookSubscription, team=team, pk=pk)


@login_required
def webhook_detail(request, team, pk):
    team, membership = get_team_for(request, team, admin=True)
    hook = _hook(team, pk)
    form = WebhookForm(request.POST or None, instance=hook)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Webhook saved."))
        return redirect("peer:webhook", team=team.slug, pk=hook.pk)
    deliveries = hook.deliveries.all()[:DELIVERIES_SHOWN]
    context = {
        "team": team,
        "membership": membership,
        "hook": hook,
        "form": form,
        "deliveries": deliveries,
    }
    response = render(
        request, "peer/webhooks/detail.html", context, status=422 if form.errors else 200
    )
    response["Cache-Control"] = "no-store"  # the page shows the signing secret
    return response


@login_required
@require_POST
def webhook_delete(request, team, pk):
    team, _membership = get_team_for(request, team, admin=True)
    _hook(team, pk).delete()
    messages.success(request, _("Webhook deleted."))
    return redirect("peer:webhooks", team=team.slug)


@login_required
@require_POST
def delivery_resend(request, team, pk, delivery):
    team, _membership = get_team_for(request, team, admin=True)
    hook = _hook(team, pk)
    found = get_object_or_404(WebhookDelivery, subscription=hook, pk=delivery)
    sending.resend(found)
    messages.success(request, _("Sending it again."))
    return redirect("peer:webhook", team=team.slug, pk=hook.pk)
