"""Personal access tokens for the HTTP API, on the account's own page: made (the secret
is shown on the answer to that request, once) and revoked."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms.tokens import TokenForm
from ..models import ApiToken


@login_required
def tokens(request):
    form = TokenForm(request.POST or None, user=request.user)
    secret = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            secret = form.instance.issue()
            form = TokenForm(user=request.user)  # a fresh form under the new token
            status = 201
        else:
            status = 422
    rows = ApiToken.objects.filter(user=request.user).select_related("team")
    context = {"form": form, "tokens": rows, "secret": secret}
    response = render(request, "peer/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


@login_required
@require_POST
def revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.live(), pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("peer:api_tokens")
