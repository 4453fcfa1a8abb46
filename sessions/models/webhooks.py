"""A team's event webhooks: URLs an admin subscribes to events (a day made or closed, a
question added, a follow-up resolved, a moderator changed), and each delivery to one,
with its attempts. sessions/webhooks/ makes and sends them."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    DAY_CREATED = "day.created", _("A day is created")
    DAY_CLOSED = "day.closed", _("A day is closed")
    QUESTION_ADDED = "question.added", _("A question is added")
    FOLLOW_UP_RESOLVED = "follow_up.resolved", _("A follow-up is resolved")
    MODERATOR_CHANGED = "moderator.changed", _("A day's moderator changes")


def validate_events(value: list) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."))
    unknown = set(value) - set(Event.values)
    if unknown:
        raise ValidationError(
            _("Unknown events: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    team = models.ForeignKey("peer.Team", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, validators=[validate_events])
    # Signs every delivery (HMAC-SHA256); the admins see it, to give it to the receiver.
    secret = models.CharField(max_length=80, default=_new_secret, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return f"{self.team} → {self.url}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        DELIVERED = "delivered", _("delivered")
        RETRYING = "retrying", _("failed, will retry")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=Event)
    payload = models.TextField()  # the JSON sent, exactly: signatures are over these bytes
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="delivery_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
