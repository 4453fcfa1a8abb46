"""The events a team's webhooks hear, and their payloads.

A writer calls one of these inside its transaction: a delivery row is made for each of
the team's active subscriptions to that event, in the same transaction, and each is
sent once it commits (tasks.py). A change rolled back is told to no one.
"""

import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..kinds import KINDS
from ..models import Membership, WebhookDelivery, WebhookSubscription
from ..models.webhooks import Event
from ..outbound import site_url


def _day(day) -> dict:
    path = reverse("peer:day", kwargs={"team": day.team.slug, "date": day.date})
    return {"date": day.date.isoformat(), "number": day.number, "url": site_url(path)}


def _name(member) -> str | None:
    return member.display_name if member is not None else None


def emit(team, event: str, data: Callable[[], dict]) -> list[WebhookDelivery]:
    """Make this event's deliveries for the team's subscribers, to be sent on commit.
    `data` builds the payload, only when someone listens: most teams have no webhook,
    and every save emits."""
    subscribers = [
        s
        for s in WebhookSubscription.objects.filter(team=team, is_active=True)
        if event in s.events
    ]
    if not subscribers:
        return []
    body = json.dumps(
        {"event": event, "team": team.slug, "at": timezone.now(), "data": data()},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=s, event=event, payload=body) for s in subscribers
    )
    from .tasks import enqueue  # the task imports the sending, which imports the models

    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: enqueue(pk))
    return deliveries


def day_created(day) -> None:
    emit(day.team, Event.DAY_CREATED, lambda: {"day": _day(day), "title": day.display_title})


def day_closed(day, user) -> None:
    def data():
        closer = Membership.objects.filter(team=day.team, user=user).first()
        return {"day": _day(day), "closed_by": _name(closer)}

    emit(day.team, Event.DAY_CLOSED, data)


def question_added(question) -> None:
    day = question.day
    emit(
        day.team,
        Event.QUESTION_ADDED,
        lambda: {
            "day": _day(day),
            "id": question.pk,
            "question": question.question,
            "asked_by": _name(question.asked_by),
        },
    )


def follow_up_resolved(item) -> None:
    day = item.day
    emit(
        day.team,
        Event.FOLLOW_UP_RESOLVED,
        lambda: {
            "day": _day(day),
            "kind": item.kind,
            "id": item.pk,
            # Its text as search finds it: the question, the action item's text.
            "text": getattr(item, KINDS[item.kind].searched[0]),
            "resolution": item.resolution,
            "resolved_by": _name(item.resolved_by),
        },
    )


def moderator_changed(day, before, after) -> None:
    emit(
        day.team,
        Event.MODERATOR_CHANGED,
        lambda: {"day": _day(day), "from": _name(before), "to": _name(after)},
    )
