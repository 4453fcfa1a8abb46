"""Personal access tokens for the HTTP API, on the account's own page: made (the secret
is shown once, on the page the form goes back to) and revoked."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms.tokens import TokenForm
from ..models import ApiToken

# The new secret waits in the login session for the one page that shows it: the answer
# to the form is a redirect, so reloading that page makes no second token.
NEW_SECRET = "new_api_token"


@login_required
def tokens(request):
    form = TokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        request.session[NEW_SECRET] = form.instance.issue()
        return redirect("peer:api_tokens")
    rows = ApiToken.objects.filter(user=request.user).select_related("team")
    context = {"form": form, "tokens": rows, "secret": request.session.pop(NEW_SECRET, "")}
    status = 422 if form.is_bound else 200
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
