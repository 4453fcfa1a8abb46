"""Personal access tokens for the HTTP API (sessions/api): made and revoked on the
account's profile page, shown once, kept only as a SHA-256 digest."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PREFIX = "slg_"  # every token starts so: a leaked one is easy to spot in a scan
SHOWN = len(PREFIX) + 6  # how much of it the profile page shows, to tell tokens apart


def digest(token: str) -> str:
    """What is stored of a token. A token holds 240 random bits, so a fast hash is safe:
    no one can guess a token from its digest."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=60)
    scope = models.CharField(_("access"), max_length=5, choices=Scope, default=Scope.READ)
    # None: every team of the account; else this one only (the account's other teams
    # answer 404, as to someone outside them).
    team = models.ForeignKey(
        "peer.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    shown = models.CharField(max_length=SHOWN, editable=False)  # "slg_ab12cd"
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"api-token:{self.pk}"  # the row, never the secret

    def issue(self) -> str:
        """Give this (unsaved) token its secret and save it; the secret is returned once
        and kept nowhere."""
        secret = PREFIX + secrets.token_urlsafe(30)
        self.digest, self.shown = digest(secret), secret[:SHOWN]
        self.save()
        return secret

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
