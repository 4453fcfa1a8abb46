"""What an account keeps for itself, outside any team: its preferred language, and the
rule that an e-mail address belongs to one account."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """One per account, made the first time it is needed (older accounts have none).

    The account's own name stays on User.first_name, where new memberships already take
    their display name from (services.display_name_for) and the demo puts it; only what
    User has no column for lives here.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def for_user(cls, user) -> "Profile":
        profile = cls.objects.filter(user=user).first()
        return profile or cls(user=user)

    @classmethod
    def remember_language(cls, user, code: str) -> None:
        """Keep `code` as the account's language, applied when it next logs in
        (views.accounts.LoginView); a code the site does not offer is ignored."""
        if code in dict(settings.LANGUAGES):
            cls.objects.update_or_create(user=user, defaults={"language": code})


def normalize_email(address: str) -> str:
    """The address as stored: trimmed, its domain in lower case (the part before @ is
    the mail server's to interpret, so it keeps its case)."""
    return BaseUserManager.normalize_email((address or "").strip())


def email_taken(address: str, *, exclude=None) -> bool:
    """Whether another account already has this address, compared case-insensitively:
    password reset looks accounts up that way, so two accounts with the same address
    would both get a reset link."""
    if not address:
        return False
    others = get_user_model().objects.filter(email__iexact=address)
    if exclude is not None and exclude.pk is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()
