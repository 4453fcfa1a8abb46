"""A team's event webhooks (sessions/webhooks/): each event reaches the URLs subscribed to
it, signed (HMAC-SHA256 of "timestamp.body"), outside the request; failures are logged
and retried with backoff; an admin sees the log and sends again. A receiver on 127.0.0.1
checks every signature and answers what each test tells it to."""

import datetime
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sessions import closing, followups
from sessions.models import WebhookDelivery, WebhookSubscription
from sessions.webhooks import sending
from sessions.webhooks.tasks import deliver_webhook

from .factories import QuestionFactory, session_form

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate(settings):
    settings.TASKS = IMMEDIATE  # each delivery is sent as soon as it is enqueued
    settings.SITE_URL = "https://studylog.example"


@pytest.fixture
def receiver(settings):
    """An HTTP server on 127.0.0.1 that checks each delivery's signature with `secret`
    and answers the next of `statuses` (200 once they run out)."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    got, statuses, state = [], [], {"secret": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            stamp = self.headers["X-Studylog-Timestamp"]
            expected = hmac.new(
                state["secret"].encode(), stamp.encode() + b"." + body, hashlib.sha256
            ).hexdigest()
            got.append(
                {
                    "event": self.headers["X-Studylog-Event"],
                    "delivery": self.headers["X-Studylog-Delivery"],
                    "signed": hmac.compare_digest(
                        self.headers["X-Studylog-Signature"], f"sha256={expected}"
                    ),
                    "fresh": abs(time.time() - int(stamp)) < 300,
                    "json": json.loads(body),
                }
            )
            self.send_response(statuses.pop(0) if statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SimpleNamespace(
        url=f"http://127.0.0.1:{server.server_port}/hook", got=got, statuses=statuses, state=state
    )
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook(team, receiver):
    def make(*events, **fields):
        sub = WebhookSubscription.objects.create(
            team=team, url=receiver.url, events=list(events), **fields
        )
        receiver.state["secret"] = sub.secret
        return sub

    return make


def test_closing_a_day_is_delivered_signed(
    day, hook, receiver, team_admin, django_capture_on_commit_callbacks
):
    sub = hook("day.closed")
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)

    (sent,) = receiver.got
    assert sent["signed"] and sent["fresh"] and sent["event"] == "day.closed"
    assert sent["json"]["event"] == "day.closed" and sent["json"]["team"] == "alpha"
    assert sent["json"]["data"]["day"] == {
        "date": "2024-03-04",
        "number": 1,
        "url": "https://studylog.example/teams/alpha/days/2024-03-04/",
    }
    delivery = WebhookDelivery.objects.get()
    assert sent["delivery"] == str(delivery.pk)
    assert (delivery.subscription, delivery.status, delivery.attempts) == (sub, "delivered", 1)
    assert delivery.response_status == 200


def test_only_subscribers_of_the_event_hear_it(
    day, hook, receiver, team_admin, django_capture_on_commit_callbacks
):
    hook("question.added")
    hook("day.closed", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)
    assert receiver.got == [] and not WebhookDelivery.objects.exists()


def test_a_change_rolled_back_tells_no_one(
    day, hook, receiver, team_admin, django_capture_on_commit_callbacks
):
    hook("day.closed")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            closing.close(day, user=team_admin)
            raise RuntimeError
    assert receiver.got == [] and not WebhookDelivery.objects.exists()


def test_a_question_added_in_the_editor(
    day, hook, receiver, as_member, team_admin, django_capture_on_commit_callbacks
):
    hook("question.added")
    url = reverse("peer:item_create", args=["alpha", day.date, "question"])
    admin = team_admin.memberships.get()
    body = {"question": "dropout은 어디에?", "asked_by": admin.pk, "answer": "", "links": ""}
    with django_capture_on_commit_callbacks(execute=True):
        assert as_member.post(url, body, HTTP_HX_REQUEST="true").status_code == 200
    (sent,) = receiver.got
    data = sent["json"]["data"]
    assert (data["question"], data["asked_by"]) == ("dropout은 어디에?", "김관리")


def test_a_follow_up_resolved(day, hook, receiver, team_member, django_capture_on_commit_callbacks):
    hook("follow_up.resolved")
    question = QuestionFactory(day=day, question="추가 확인", needs_follow_up=True)
    with django_capture_on_commit_callbacks(execute=True):
        followups.resolve(question, team_member.memberships.get(), "찾았다")
    data = receiver.got[0]["json"]["data"]
    assert (data["kind"], data["id"], data["resolution"], data["resolved_by"]) == (
        "question", question.pk, "찾았다", "이멤버",
    )  # fmt: skip


def test_a_moderator_changed(
    day, hook, receiver, as_admin, team_member, django_capture_on_commit_callbacks
):
    hook("moderator.changed")
    member = team_member.memberships.get()
    body = session_form(day, moderator=str(member.pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            reverse("peer:session_edit", args=["alpha", day.date]), body, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    data = receiver.got[0]["json"]["data"]
    assert (data["from"], data["to"]) == (None, "이멤버")

    receiver.got.clear()
    day.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(reverse("peer:session_edit", args=["alpha", day.date]),
                      session_form(day, title="제목만 바꿈"), HTTP_HX_REQUEST="true")  # fmt: skip
    assert receiver.got == []  # the moderator stayed


def test_a_moderator_changed_from_the_schedule(
    day, hook, receiver, team_admin, team_member, django_capture_on_commit_callbacks
):
    """A substitute set on the schedule changes the recorded day's moderator too."""
    from sessions import schedule

    hook("moderator.changed")
    member = team_member.memberships.get()
    with django_capture_on_commit_callbacks(execute=True):
        schedule.assign(day.team, day.date, member, user=team_admin)
    day.refresh_from_db()
    assert day.moderator == member
    data = receiver.got[0]["json"]["data"]
    assert (data["day"]["date"], data["to"]) == (day.date.isoformat(), "이멤버")


def test_nothing_is_built_for_a_team_with_no_webhooks(day, team_member, django_assert_num_queries):
    """Every save emits; a team with no subscriber pays for the subscriptions only, not
    for the payload."""
    from sessions.models import Question
    from sessions.webhooks import events

    from .factories import QuestionFactory

    asked = QuestionFactory(day=day, asked_by=team_member.memberships.get())
    question = Question.objects.get(pk=asked.pk)  # nothing related loaded yet
    with django_assert_num_queries(3):  # its day, the day's team, the subscriptions
        events.question_added(question)  # (not who asked: only a payload names them)


def test_a_day_created(
    team, team_admin, hook, receiver, as_admin, django_capture_on_commit_callbacks
):
    hook("day.created")
    body = {"date": "2024-03-06", "date_confirm": "2024-03-06", "number": "2",
            "moderator": "", "title": "", "tags": ""}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(reverse("peer:day_create", args=["alpha"]), body)
    assert response.status_code == 302, response.content[:300]
    assert receiver.got[0]["json"]["data"]["day"]["date"] == "2024-03-06"


# Failures, retries, the log ---------------------------------------------------------------


def test_a_failure_is_logged_and_retried_later(
    day, hook, receiver, team_admin, django_capture_on_commit_callbacks
):
    hook("day.closed")
    receiver.statuses.append(500)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("retrying", 1, 500)
    assert delivery.error == "HTTP 500"
    wait = delivery.next_attempt_at - before
    assert datetime.timedelta(seconds=55) < wait < datetime.timedelta(seconds=70)

    # The retry (as the worker runs it when it is due) gets through.
    come_due(delivery)
    assert sending.deliver(delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(receiver.got) == 2 and all(g["signed"] for g in receiver.got)
    assert receiver.got[0]["delivery"] == receiver.got[1]["delivery"]  # one delivery, twice


def come_due(delivery) -> None:
    """The clock reaches the delivery's next try, as the worker finds it then."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_retry_that_is_not_due_sends_nothing(
    day, hook, receiver, team_admin, django_capture_on_commit_callbacks
):
    """An admin's resend starts a new chain of tries; the old chain's task, when it
    wakes before the new chain's next try, leaves the delivery to it."""
    hook("day.closed")
    receiver.statuses.append(500)
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)
    delivery = WebhookDelivery.objects.get()
    assert delivery.next_attempt_at > timezone.now()

    assert sending.deliver(delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.attempts, len(receiver.got)) == (1, 1)


def test_after_every_retry_failed_it_stays_failed(
    day, hook, receiver, team_admin, django_capture_on_commit_callbacks
):
    hook("day.closed")
    receiver.statuses.extend([503] * sending.MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)
    delivery = WebhookDelivery.objects.get()
    waits = []
    while delivery.status == "retrying":
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        come_due(delivery)
        sending.deliver(delivery.pk)
        delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == sending.MAX_ATTEMPTS
    assert waits == sending.BACKOFF  # 1, 5, 30, 120 minutes


def test_no_answer_is_a_failure_too(
    day, hook, team_admin, settings, django_capture_on_commit_callbacks
):
    sub = hook("day.closed")
    WebhookSubscription.objects.filter(pk=sub.pk).update(url="http://127.0.0.1:9/nothing")
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.response_status is None
    assert delivery.error


def test_a_private_address_is_refused_when_sending(
    day, hook, team_admin, settings, django_capture_on_commit_callbacks
):
    hook("day.closed")
    settings.OUTBOUND_ALLOW_PRIVATE = False
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and "not a public address" in delivery.error


def test_retries_are_queued_for_later_where_the_backend_can_wait(
    day, hook, receiver, team_admin, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    hook("day.closed")
    receiver.statuses.append(500)
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)
    (queued,) = DBTaskResult.objects.all()  # not sent inside the request
    assert receiver.got == []
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.call(delivery.pk)  # as the worker runs it
    later = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert later.run_after is not None and later.run_after > timezone.now()


# The admin's pages ---------------------------------------------------------------------------


def test_an_admin_subscribes_sees_the_log_and_sends_again(
    day, receiver, as_admin, team_admin, django_capture_on_commit_callbacks
):
    response = as_admin.post(
        reverse("peer:webhooks", args=["alpha"]),
        {"url": receiver.url, "events": ["day.closed"], "is_active": "on"},
    )
    sub = WebhookSubscription.objects.get()
    assert (
        response.status_code == 302
        and sub.events == ["day.closed"]
        and sub.secret.startswith("whsec_")
    )
    receiver.state["secret"] = sub.secret
    receiver.statuses.append(500)
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)
    detail = as_admin.get(reverse("peer:webhook", args=["alpha", sub.pk]))
    page = detail.content.decode()
    assert sub.secret in page and "HTTP 500" in page
    assert detail["Cache-Control"] == "no-store"  # the secret stays out of caches
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(reverse("peer:webhook_resend", args=["alpha", sub.pk, delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(receiver.got) == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": "", "events": ["day.closed"]}, "url"),
        ({"url": "ftp://example.com/x", "events": ["day.closed"]}, "url"),
        ({"url": "https://example.com/hook", "events": []}, "events"),
        ({"url": "https://example.com/hook", "events": ["day.deleted"]}, "events"),
        ({"url": "http://127.0.0.1/hook", "events": ["day.closed"]}, "url"),
        ({"url": "http://10.0.0.5/hook", "events": ["day.closed"]}, "url"),
    ],
)
def test_a_bad_webhook_is_refused_beside_its_field(as_admin, body, field):
    response = as_admin.post(reverse("peer:webhooks", args=["alpha"]), body)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not WebhookSubscription.objects.exists()


def test_another_teams_webhook_is_404(as_admin, other_team):
    theirs = WebhookSubscription.objects.create(
        team=other_team, url="https://example.com/h", events=["day.closed"]
    )
    for name in ("webhook", "webhook_delete"):
        url = reverse(f"peer:{name}", args=["alpha", theirs.pk])
        assert as_admin.post(url).status_code == 404
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()


def test_the_log_page_takes_the_same_queries_however_long_the_log(
    day, hook, as_admin, django_assert_max_num_queries
):
    sub = hook("day.closed")
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=sub, event="day.closed", payload="{}") for _ in range(60)
    )
    with django_assert_max_num_queries(8):
        assert as_admin.get(reverse("peer:webhook", args=["alpha", sub.pk])).status_code == 200
