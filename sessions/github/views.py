"""GitHub on the member's own pages: unlink it from the profile, and ask GitHub for a
token the blog publishes with."""

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.forms import DisconnectForm
from allauth.socialaccount.models import SocialAccount
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..blog import crypto
from . import PROVIDER, blog, enabled
from .adapters import BLOG_TOKEN, not_on_github_message
from .blog import WRITE_SCOPES


@login_required
@require_POST
def unlink(request):
    """Unlink GitHub. An account with no password keeps it: it would have no way in."""
    account = get_object_or_404(SocialAccount, user=request.user, provider=PROVIDER)
    form = DisconnectForm({"account": account.pk}, request=request)
    if form.is_valid():
        form.save()  # allauth's message says it was disconnected
    else:  # allauth refuses only to unlink an account's only way in
        messages.error(
            request, _("GitHub is your only way in: set a password first, then you can unlink it.")
        )
    return redirect("peer:profile")


@login_required
@require_POST
def blog_token(request):
    """Off to GitHub for a token with write access (the scope chosen on the blog page);
    coming back links the GitHub account, if it was not yet, and keeps the token as the
    blog's credential (adapters.SocialAccountAdapter._take_blog_token)."""
    if not enabled():
        raise Http404
    scope = request.POST.get("scope", "")
    if not crypto.configured():
        messages.error(request, crypto.NOT_CONFIGURED)
        return redirect("peer:blog")
    if scope not in WRITE_SCOPES:
        messages.error(request, _("Choose which repositories the token may write to."))
        return redirect("peer:blog")
    try:
        blog.check_connection(request.user)
    except blog.NotOnGitHub:
        messages.error(request, not_on_github_message())
        return redirect("peer:blog")
    provider = get_adapter(request).get_provider(request, PROVIDER)
    return provider.redirect(
        request,
        process="connect",
        next_url=reverse("peer:blog"),
        data={BLOG_TOKEN: True},
        scope=[*provider.get_scope(), scope],
    )
