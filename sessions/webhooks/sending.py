"""Sending one delivery: signed, to a public address only, retried with backoff.

Each POST carries the body as JSON and, as headers:

    X-Studylog-Event: day.closed
    X-Studylog-Delivery: 42                  (the same on a retry: receivers may dedupe)
    X-Studylog-Timestamp: 1733300000         (seconds since the epoch, when it was sent)
    X-Studylog-Signature: sha256=<hex>       (HMAC-SHA256, keyed by the subscription's
                                              secret, of "<timestamp>.<body>")

A receiver checks the signature against its copy of the secret and refuses a timestamp
more than a few minutes old: a recorded delivery cannot be played back later.
A 2xx answer is delivered; anything else (or no answer) is retried after 1, 5, 30 and
120 minutes, then marked failed. The admin's resend tries again at once.
"""

import datetime
import hashlib
import hmac
import time

from django.db import transaction
from django.utils import timezone

from .. import outbound
from ..models import WebhookDelivery

TIMEOUT = 10  # seconds
BACKOFF = [datetime.timedelta(minutes=m) for m in (1, 5, 30, 120)]
MAX_ATTEMPTS = len(BACKOFF) + 1


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _post(delivery: WebhookDelivery) -> int:
    """POST the delivery; its status code (raises on no answer)."""
    body = delivery.payload.encode()
    timestamp = int(time.time())
    secret = delivery.subscription.secret
    headers = {
        "User-Agent": "Studylog webhooks",
        "X-Studylog-Event": delivery.event,
        "X-Studylog-Delivery": str(delivery.pk),
        "X-Studylog-Timestamp": str(timestamp),
        "X-Studylog-Signature": signature(secret, timestamp, body),
    }
    return outbound.post_json(delivery.subscription.url, body, headers, timeout=TIMEOUT)


def deliver(delivery_id: int) -> str | None:
    """Send one delivery now and record the outcome; when to try again, if it failed and
    may be retried (the caller schedules it)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(no_key=True, of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED:
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now():
            return None  # not due: a later retry (after an admin's resend) owns it now
        if not delivery.subscription.is_active:
            delivery.status, delivery.error = WebhookDelivery.Status.FAILED, "turned off"
            delivery.save(update_fields=["status", "error"])
            return None
    code, error = None, ""
    try:
        code = _post(delivery)
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, not public, a bad URL
        error = str(getattr(exc, "reason", exc)) or exc.__class__.__name__
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.response_status = now, code
    delivery.next_attempt_at = None
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.error = WebhookDelivery.Status.DELIVERED, ""
    else:
        delivery.error = (error or f"HTTP {code}")[:300]
        if delivery.attempts < MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.RETRYING
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        else:
            delivery.status = WebhookDelivery.Status.FAILED
    delivery.save(
        update_fields=[
            "attempts", "last_attempt_at", "response_status", "next_attempt_at", "status", "error",
        ]
    )  # fmt: skip
    return delivery.next_attempt_at


def resend(delivery: WebhookDelivery) -> None:
    """An admin's "send again": a failed or delivered delivery goes out once more now."""
    from .tasks import enqueue

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=None
    )
    transaction.on_commit(lambda: enqueue(delivery.pk))
