"""allauth's adapters, as Studylog wants them.

- A GitHub user new to Studylog gets an account at once, named as GitHub names them,
  with GitHub's verified primary address if no account has it yet.
- An address that belongs to an account already is never taken over: its owner logs in
  with their password and links GitHub on their profile (the address here may never
  have been verified, so it proves nothing).
- Every failure (an error at GitHub, a denied consent, a state that was used already or
  never stashed) comes back as a message on the login or profile page, never as
  allauth's own pages, which this site does not serve.
"""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.base import AuthError, AuthProcess
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..models.accounts import email_taken, normalize_email
from ..views.accounts import remember_current_language
from . import PROVIDER, blog
from .oauth import GitHubAdapter

log = logging.getLogger(__name__)

BLOG_TOKEN = "blog_token"  # the state's data, when the blog page asked for a token


class AccountAdapter(DefaultAccountAdapter):
    def respond_user_inactive(self, request, user):
        messages.error(request, _("This account is deactivated."))
        return redirect("login")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_provider(self, request, provider, client_id=None):
        instance = super().get_provider(request, provider, client_id=client_id)
        if instance.id == PROVIDER:
            instance.oauth2_adapter_class = GitHubAdapter  # GITHUB_URL read when used
        return instance

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # The whole name in first_name, as the profile form keeps it (Korean names are
        # not "first last"); none when GitHub has none (the username stands in for it).
        user.first_name = (data.get("name") or "").strip()[:150]
        user.last_name = ""
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        remember_current_language(user)
        return user

    def pre_social_login(self, request, sociallogin):
        state = sociallogin.state
        blog_flow = bool((state.get("data") or {}).get(BLOG_TOKEN))
        if blog_flow or state.get("process") == AuthProcess.CONNECT:
            self._check_one_github_account(request, sociallogin, blog_flow)
        if blog_flow:
            self._take_blog_token(request, sociallogin)
        elif not sociallogin.is_existing and state.get("process") != AuthProcess.CONNECT:
            self._check_new_account(request, sociallogin)

    def _check_one_github_account(self, request, sociallogin, blog_flow):
        """An account links one GitHub account: another one (someone signed in at GitHub
        as someone else) is refused, not added beside it."""
        if not request.user.is_authenticated:
            return  # allauth's connect sends the anonymous to log in
        linked = SocialAccount.objects.filter(user=request.user, provider=PROVIDER)
        if linked.exclude(uid=sociallogin.account.uid).exists():
            messages.error(
                request,
                _(
                    "Your account is linked to another GitHub account. Unlink it on your "
                    "profile first, or sign in to GitHub as that account."
                ),
            )
            raise ImmediateHttpResponse(redirect("peer:blog" if blog_flow else "peer:profile"))

    def _check_new_account(self, request, sociallogin):
        verified = sorted(
            (a for a in sociallogin.email_addresses if a.verified),
            key=lambda a: not a.primary,
        )
        addresses = [normalize_email(a.email) for a in verified]
        if any(email_taken(address) for address in addresses):
            messages.error(
                request,
                _(
                    "A Studylog account already uses the e-mail address of this GitHub "
                    "account. Log in with its password, then link GitHub on your profile."
                ),
            )
            raise ImmediateHttpResponse(redirect(_login_url(sociallogin.state.get("next"))))
        # The address lives on the account, where Studylog reads it (allauth still keeps
        # a record of it, which nothing here reads).
        sociallogin.email_addresses = []
        sociallogin.user.email = addresses[0] if addresses else ""

    def _take_blog_token(self, request, sociallogin):
        if not request.user.is_authenticated:
            raise ImmediateHttpResponse(redirect("login"))
        if sociallogin.is_existing and sociallogin.user != request.user:
            messages.error(request, _("This GitHub account is linked to another Studylog account."))
            raise ImmediateHttpResponse(redirect("peer:blog"))
        token = sociallogin.token
        if not blog.WRITE_SCOPES & getattr(token, "granted_scopes", set()):
            messages.error(
                request,
                _("GitHub did not grant write access to repositories; nothing was stored."),
            )
            raise ImmediateHttpResponse(redirect("peer:blog"))
        login = sociallogin.account.extra_data.get("login", "")
        try:
            blog.take_token(request.user, token.token, github_login=login)
        except blog.NotOnGitHub:
            messages.error(request, not_on_github_message())
            raise ImmediateHttpResponse(redirect("peer:blog")) from None
        messages.success(
            request,
            _("Your blog now publishes with the token from GitHub (%(scopes)s).")
            % {"scopes": ", ".join(sorted(token.granted_scopes))},
        )
        # The connect goes on: the GitHub account is linked, if it was not yet.

    def get_connect_redirect_url(self, request, socialaccount):
        return reverse("peer:profile")

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        extra_context = extra_context or {}
        state = extra_context.get("state")
        if error == AuthError.CANCELLED:
            text = _("GitHub sign-in was cancelled: nothing was changed.")
        elif state is None and "callback_view" in extra_context:
            text = _(
                "This GitHub sign-in had expired or was already used. Start again from the button."
            )
        else:
            text = _("GitHub could not be reached or refused the sign-in. Try again later.")
        log.warning("GitHub sign-in failed: %s %r", error, exception)
        messages.error(request, text)
        if request.user.is_authenticated:
            blog_flow = state is not None and (state.get("data") or {}).get(BLOG_TOKEN)
            raise ImmediateHttpResponse(redirect("peer:blog" if blog_flow else "peer:profile"))
        raise ImmediateHttpResponse(redirect(_login_url(state.get("next") if state else None)))


def not_on_github_message() -> str:
    return _(
        "Your blog's repository address is not an https:// address on GitHub, so a GitHub "
        "token cannot publish there. Change the address first."
    )


def _login_url(next_url: str | None) -> str:
    url = reverse("login")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url
