"""The account's own page (its name, e-mail, language and names in its teams), and the
account's language: remembered when it is chosen, applied when the account logs in."""

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n

from .. import github
from ..forms.accounts import NAME_TAKEN, ProfileForm, TeamNameForm
from ..models import Membership, Profile


def use_language(response: HttpResponse, code: str) -> HttpResponse:
    """Answer in `code` from now on: the language cookie LocaleMiddleware reads, set as
    Django's own language selector sets it, and the language of this request's rest."""
    translation.activate(code)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def with_account_language(response: HttpResponse, user) -> HttpResponse:
    """`response` switching to the account's language, if it ever chose one: what a
    login (by password or GitHub) answers with."""
    profile = Profile.objects.filter(user=user).first()
    return use_language(response, profile.language) if profile else response


def remember_current_language(user) -> None:
    """A new account keeps the language it signed up in."""
    Profile.remember_language(user, translation.get_language())


class LoginView(auth_views.LoginView):
    """Django's login, then the account's language (if it ever chose one)."""

    def form_valid(self, form):
        return with_account_language(super().form_valid(form), form.get_user())


def set_language(request):
    """Django's language selector; a logged-in account also keeps the choice, so the
    next login does not switch back."""
    response = i18n.set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        Profile.remember_language(request.user, request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER))
    return response


@login_required
def profile(request):
    profile = Profile.for_user(request.user)
    memberships = (
        Membership.objects.filter(user=request.user, is_active=True)
        .select_related("team")
        .order_by("team__name")
    )
    data = request.POST or None
    # A copy: a form that fails would otherwise leave its values on request.user.
    account = get_user_model().objects.get(pk=request.user.pk)
    form = ProfileForm(data, instance=account, profile=profile)
    team_forms = [TeamNameForm(data, instance=m, prefix=f"team-{m.pk}") for m in memberships]
    if request.method == "POST":
        valid = [form.is_valid()] + [f.is_valid() for f in team_forms]  # every error shown
        if all(valid) and _save(form, team_forms):
            response = use_language(redirect("peer:profile"), profile.language)
            messages.success(request, _("Profile saved."))
            return response
    return render(
        request,
        "peer/profile.html",
        {
            "form": form,
            "team_forms": team_forms,
            "has_password": account.has_usable_password(),
            "github_account": SocialAccount.objects.filter(
                user=account, provider=github.PROVIDER
            ).first(),
        },
    )


def _save(form: ProfileForm, team_forms: list[TeamNameForm]) -> bool:
    """Save the account and its changed team names together, or nothing. A teammate
    who took the same name a moment ago trips the unique constraint: that is a field
    error, as when the form saw the name taken."""
    changed = [f for f in team_forms if f.has_changed()]
    try:
        with transaction.atomic():
            form.save()
            for team_form in changed:
                team_form.save()
    except IntegrityError:
        for team_form in changed:
            team_form.add_error("display_name", NAME_TAKEN)
        return False
    return True
