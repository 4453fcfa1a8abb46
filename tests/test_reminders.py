"""send_reminders: who is e-mailed about tomorrow, exactly once, and the team webhook.

E-mail goes to Django's locmem backend (mail.outbox); the webhook is a real HTTP server
on 127.0.0.1 in a thread. Nothing here reaches the outside network.

The calendar: team "alpha" meets Monday to Friday in Asia/Seoul from Monday 2024-03-04.
"""

import datetime
import json
import smtplib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import CommandError, call_command
from django.utils import timezone

from sessions import comments, outbound, reminders
from sessions.models import Membership, Mention, ModeratorAssignment, ReminderLog, SkippedDate

from .factories import DayFactory, MembershipFactory, ReviewFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2024, 3, 4)
TUESDAY = MONDAY + datetime.timedelta(days=1)
MONDAY_NOON = "2024-03-04T12:00:00+09:00"  # tomorrow is Tuesday 3/5


def run(*args) -> SimpleNamespace:
    out, err = StringIO(), StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=err)
    return SimpleNamespace(out=out.getvalue(), err=err.getvalue())


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch, settings):
    # urllib honours *_proxy variables: the local webhook server must be reached directly.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    settings.SITE_URL = "https://studylog.example"


@pytest.fixture
def cast(team, team_admin, team_member):
    """Tuesday's day in "alpha": the admin moderates, the member presents one review.

    The team writes in English so subjects can be compared word for word; the Korean
    wording lives in the catalog (test_emails_use_the_teams_language checks the switch).
    """
    team.language = "en"
    team.starts_on = MONDAY
    team.session_weekdays = "01234"
    team.timezone = "Asia/Seoul"
    team.save()
    admin = team_admin.memberships.get()
    member = team_member.memberships.get()
    day = DayFactory(team=team, date=TUESDAY, number=2, moderator=admin)
    review = ReviewFactory(day=day, assignment="과제 3 & 4", presenters=[member])
    return SimpleNamespace(team=team, admin=admin, member=member, day=day, review=review)


# --- who gets what, once --------------------------------------------------------------


def test_moderator_and_presenter_are_emailed_once(cast):
    first = run("--now", MONDAY_NOON)

    assert sent_to() == ["alpha-admin@example.com", "alpha-member@example.com"]
    assert "alpha 2024-03-05: 2 e-mails sent, 0 already sent, 0 skipped" in first.out
    assert first.err == ""
    assert ReminderLog.objects.count() == 2

    second = run("--now", MONDAY_NOON)
    assert len(mail.outbox) == 2
    assert "alpha 2024-03-05: 0 e-mails sent, 2 already sent" in second.out


def test_the_emails_say_what_and_where(cast):
    run("--now", MONDAY_NOON)

    by_address = {m.to[0]: m for m in mail.outbox}
    moderator = by_address["alpha-admin@example.com"]
    assert moderator.subject == "[Studylog] You are moderating tomorrow's peer session (3/5)"
    assert "March 5, 2024" in moderator.body
    assert "16:00–17:30 (Asia/Seoul)" in moderator.body
    # The day's editor, where the moderator runs the session.
    assert (
        "The day's editor: https://studylog.example/teams/alpha/days/2024-03-05/edit/\n"
        in moderator.body
    )
    # Plain text: names and titles are not HTML-escaped.
    assert "과제 3 & 4" in moderator.body and "&amp;" not in moderator.body
    assert moderator.extra_headers["Auto-Submitted"] == "auto-generated"

    presenter = by_address["alpha-member@example.com"]
    assert presenter.subject == "[Studylog] You present an assignment review tomorrow (3/5)"
    assert "- 과제 3 & 4" in presenter.body
    assert "김관리" in presenter.body  # who moderates
    assert "https://studylog.example/teams/alpha/days/2024-03-05/edit/" in presenter.body


def test_emails_use_the_teams_language(cast):
    cast.team.language = "ko"
    cast.team.save()
    run("--now", MONDAY_NOON)
    # Django's own Korean date format shows the body was rendered in Korean.
    assert all("2024년 3월 5일" in m.body for m in mail.outbox)
    assert all(
        m.subject.startswith("[Studylog] ") and m.subject.endswith("(3/5)") for m in mail.outbox
    )


def test_a_presenter_added_later_gets_only_their_email(cast, team):
    run("--now", MONDAY_NOON)
    late = MembershipFactory(team=team, user=UserFactory(username="late"), display_name="늦은발표")
    ReviewFactory(day=cast.day, presenters=[late])

    out = run("--now", MONDAY_NOON).out

    assert [m.to for m in mail.outbox[2:]] == [["late@example.com"]]
    assert "1 e-mail sent, 2 already sent" in out


def test_one_email_for_a_member_presenting_twice(cast):
    ReviewFactory(day=cast.day, assignment="과제 5", presenters=[cast.member])
    run("--now", MONDAY_NOON)
    (presenter,) = [m for m in mail.outbox if m.to == ["alpha-member@example.com"]]
    assert "- 과제 3 & 4" in presenter.body and "- 과제 5" in presenter.body


def test_a_failed_send_is_retried_on_the_next_run(cast, monkeypatch):
    real_send = locmem.EmailBackend.send_messages
    failures = []

    def flaky(self, messages):
        if not failures and messages[0].to == ["alpha-member@example.com"]:
            failures.append(messages)
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        return real_send(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", flaky)

    first = run("--now", MONDAY_NOON)
    assert sent_to() == ["alpha-admin@example.com"]
    assert (
        "1 e-mail sent, 0 already sent, 0 skipped (no account, no e-mail or inactive), 1 failed"
        in first.out
    )
    assert "presenter e-mail to 이멤버: connection unexpectedly closed" in first.err
    # The failed reminder's log row was rolled back with it.
    assert list(ReminderLog.objects.values_list("kind", flat=True)) == ["moderator"]

    second = run("--now", MONDAY_NOON)
    assert sent_to() == ["alpha-admin@example.com", "alpha-member@example.com"]
    assert "1 e-mail sent, 1 already sent" in second.out
    assert second.err == ""


def test_a_run_that_loses_the_race_skips(cast, monkeypatch):
    """Two runs at once: the second passes the "already sent?" check before the first
    commits, then its insert hits the unique key, and it sends nothing."""
    run("--now", MONDAY_NOON)
    monkeypatch.setattr(reminders, "_already_sent", lambda key: False)

    out = run("--now", MONDAY_NOON).out

    assert len(mail.outbox) == 2
    assert "0 e-mails sent, 2 already sent" in out
    assert ReminderLog.objects.count() == 2


def test_dry_run_sends_and_records_nothing(cast):
    out = run("--now", MONDAY_NOON, "--dry-run").out
    assert "[dry run] alpha 2024-03-05: 2 e-mails to send" in out
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


def test_members_without_an_account_or_email_are_skipped_and_counted(cast, team):
    no_account = MembershipFactory(team=team, user=None, display_name="이름만")
    no_email = MembershipFactory(
        team=team, user=UserFactory(username="noemail", email=""), display_name="메일없음"
    )
    ReviewFactory(day=cast.day, presenters=[no_account, no_email])
    cast.admin.user.email = ""
    cast.admin.user.save()

    out = run("--now", MONDAY_NOON).out

    assert sent_to() == ["alpha-member@example.com"]
    assert "1 e-mail sent, 0 already sent, 3 skipped (no account, no e-mail or inactive)" in out
    # Skipped members are not logged, so adding an address later still gets them reminded.
    assert ReminderLog.objects.count() == 1


def test_an_inactive_moderator_is_skipped(cast):
    Membership.objects.filter(pk=cast.admin.pk).update(is_active=False)
    run("--now", MONDAY_NOON)
    assert sent_to() == ["alpha-member@example.com"]


# --- which moderator -------------------------------------------------------------------


def test_without_a_day_the_scheduled_moderator_is_reminded(cast, team):
    """No day recorded for Wednesday yet: a substitute assignment names the moderator,
    there are no presenters, and the e-mail links to the new day's page for that date."""
    wednesday = TUESDAY + datetime.timedelta(days=1)
    ModeratorAssignment.objects.create(team=team, date=wednesday, member=cast.member)

    out = run("--now", "2024-03-05T12:00:00+09:00").out

    assert sent_to() == ["alpha-member@example.com"]
    assert mail.outbox[0].subject.endswith("moderating tomorrow's peer session (3/6)")
    body = mail.outbox[0].body
    assert (
        "Start the day's record: https://studylog.example/teams/alpha/days/new/?date=2024-03-06\n"
        in body
    )
    assert "alpha 2024-03-06: 1 e-mail sent" in out


def test_the_rotation_picks_the_moderator_when_nobody_is_assigned(cast, team):
    from sessions.schedule import scheduled_moderator

    wednesday = TUESDAY + datetime.timedelta(days=1)
    expected = scheduled_moderator(team, wednesday)
    assert expected is not None
    run("--now", "2024-03-05T12:00:00+09:00")
    assert sent_to() == [expected.user.email]


def test_a_day_without_a_moderator_falls_back_to_the_schedule(cast, team):
    ModeratorAssignment.objects.create(team=team, date=TUESDAY, member=cast.member)
    cast.day.moderator = None
    cast.day.save()
    run("--now", MONDAY_NOON)
    moderator_mail = [m for m in mail.outbox if "moderating" in m.subject]
    assert [m.to for m in moderator_mail] == [["alpha-member@example.com"]]


# --- when -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "tomorrow"),
    [
        # One minute either side of midnight in Seoul: both moments are Sunday in UTC.
        ("2024-03-03T23:59:00+09:00", MONDAY),
        ("2024-03-04T00:01:00+09:00", TUESDAY),
        ("2024-03-03T14:59:00Z", MONDAY),
        ("2024-03-03T15:01:00Z", TUESDAY),
    ],
)
def test_tomorrow_is_in_the_teams_time_zone(cast, team, now, tomorrow):
    DayFactory(team=team, date=MONDAY, number=1, moderator=cast.member)

    out = run("--now", now).out

    assert out.startswith(f"alpha {tomorrow.isoformat()}: ")
    if tomorrow == MONDAY:  # Monday's moderator, nobody presenting
        assert sent_to() == ["alpha-member@example.com"]
    else:  # Tuesday's moderator and presenter
        assert sent_to() == ["alpha-admin@example.com", "alpha-member@example.com"]
    assert set(ReminderLog.objects.values_list("date", flat=True)) == {tomorrow}


def test_a_naive_now_is_read_in_the_sites_time_zone(cast):
    # settings.TIME_ZONE is Asia/Seoul: 00:01 there is already Monday.
    out = run("--now", "2024-03-04T00:01").out
    assert "alpha 2024-03-05" in out


def test_a_bad_now_is_refused(cast):
    with pytest.raises(CommandError):
        run("--now", "tomorrow-ish")


def test_no_reminders_when_tomorrow_is_a_weekend(cast):
    out = run("--now", "2024-03-08T20:00:00+09:00").out  # Friday evening
    assert out.strip() == "alpha 2024-03-09: no session"
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


def test_no_reminders_when_tomorrow_is_skipped(cast, team):
    SkippedDate.objects.create(team=team, date=TUESDAY, reason="휴강")
    out = run("--now", MONDAY_NOON).out
    assert "alpha 2024-03-05: no session" in out
    assert mail.outbox == []


def test_no_reminders_before_the_first_session(cast, team):
    team.starts_on = TUESDAY + datetime.timedelta(days=7)
    team.save()
    assert "no session" in run("--now", MONDAY_NOON).out
    assert mail.outbox == []


def test_each_team_is_reminded_in_its_own_time_zone(cast, other_team, outsider):
    """At 01:00 Tuesday in Seoul it is still Monday in New York: alpha's tomorrow is
    Wednesday, beta's is Tuesday."""
    other_team.timezone = "America/New_York"
    other_team.starts_on = MONDAY
    other_team.save()
    beta_admin = outsider.memberships.get()
    DayFactory(team=other_team, date=TUESDAY, number=2, moderator=beta_admin)

    out = run("--now", "2024-03-05T01:00:00+09:00").out

    assert "alpha 2024-03-06" in out
    assert "beta 2024-03-05: 1 e-mail sent" in out
    assert "beta-admin@example.com" in sent_to()


# --- the webhook ------------------------------------------------------------------------


@pytest.fixture
def hook(settings):
    """An incoming-webhook stand-in on 127.0.0.1: records each POST, answers with the
    next status in `statuses` (200 when empty), and stalls on /slow. Webhooks may reach
    private addresses while it runs (test_webhooks_reach_only_public_addresses: not
    otherwise)."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    received, statuses = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            if self.path == "/slow":
                time.sleep(1)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(
                {"content_type": self.headers["Content-Type"], "body": json.loads(body)}
            )
            status = statuses.pop(0) if statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(
        url=f"http://127.0.0.1:{server.server_port}/hook",
        base=f"http://127.0.0.1:{server.server_port}",
        received=received,
        statuses=statuses,
    )
    server.shutdown()
    server.server_close()


def test_the_webhook_gets_the_digest_once(cast, hook):
    cast.team.webhook_url = hook.url
    cast.team.save()

    out = run("--now", MONDAY_NOON).out
    run("--now", MONDAY_NOON)

    assert len(hook.received) == 1
    (request,) = hook.received
    assert request["content_type"] == "application/json"
    body = request["body"]
    assert set(body) == {"text", "content", "allowed_mentions"}
    assert body["text"] == body["content"]
    assert body["allowed_mentions"] == {"parse": []}  # Discord: nobody is pinged
    digest = body["text"]
    assert digest.startswith("[Studylog] Tomorrow's peer session at 알파팀")
    assert "March 5, 2024" in digest
    assert "김관리" in digest  # the moderator
    assert "과제 3 & 4" in digest and "이멤버" in digest  # the review and its presenter
    assert "https://studylog.example/teams/alpha/days/2024-03-05/" in digest
    assert "; webhook sent" in out
    assert ReminderLog.objects.filter(kind="webhook", member=None).count() == 1


def test_a_failing_webhook_is_reported_retried_and_blocks_nothing(cast, hook):
    cast.team.webhook_url = hook.url
    cast.team.save()
    hook.statuses.append(500)

    first = run("--now", MONDAY_NOON)

    assert len(mail.outbox) == 2  # the e-mails went out regardless
    assert "2 e-mails sent" in first.out
    assert "webhook failed (HTTP 500)" in first.out
    assert "alpha: webhook: HTTP 500" in first.err
    assert not ReminderLog.objects.filter(kind="webhook").exists()

    second = run("--now", MONDAY_NOON)
    assert len(hook.received) == 2
    assert "webhook sent" in second.out
    assert len(mail.outbox) == 2


def test_a_refused_connection_is_reported(cast):
    with socket.socket() as s:  # a port nobody listens on once this socket closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cast.team.webhook_url = f"http://127.0.0.1:{port}/hook"
    cast.team.save()

    result = run("--now", MONDAY_NOON)

    assert len(mail.outbox) == 2
    assert "webhook failed" in result.out
    assert "alpha: webhook:" in result.err


def test_a_webhook_that_stalls_times_out(hook):
    with pytest.raises(reminders.WebhookError):
        reminders.post_webhook(hook.base + "/slow", "hello", timeout=0.2)


def test_only_http_webhooks_are_called():
    with pytest.raises(reminders.WebhookError):
        reminders.post_webhook("file:///etc/passwd", "hello")


def test_webhooks_reach_only_public_addresses(hook, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    with pytest.raises(reminders.WebhookError, match="not a public address"):
        reminders.post_webhook(hook.url, "hello")
    with pytest.raises(reminders.WebhookError, match="not a public address"):
        reminders.post_webhook(hook.url.replace("127.0.0.1", "localhost"), "hello")
    assert hook.received == []


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "fd00::1"]
)
def test_addresses_on_the_servers_own_network_are_refused(address):
    with pytest.raises(outbound.NotPublic):
        outbound.public_address(address, 443)


def test_a_public_address_is_used_as_checked():
    assert outbound.public_address("93.184.216.34", 443) == "93.184.216.34"


def test_a_long_digest_is_cut_to_fit_discord(hook):
    reminders.post_webhook(hook.url, "가" * 5000)
    assert len(hook.received[0]["body"]["content"]) <= 2000


def test_one_teams_failing_webhook_does_not_stop_another_team(cast, hook, other_team, outsider):
    cast.team.webhook_url = hook.url
    cast.team.save()
    other_team.starts_on = MONDAY
    other_team.webhook_url = hook.url
    other_team.save()
    DayFactory(team=other_team, date=TUESDAY, number=2, moderator=outsider.memberships.get())
    hook.statuses.append(500)  # alpha posts first (teams run in address order)

    out = run("--now", MONDAY_NOON).out

    assert "alpha 2024-03-05: 2 e-mails sent" in out and "webhook failed" in out
    assert "beta 2024-03-05: 1 e-mail sent" in out
    assert out.count("webhook sent") == 1
    assert sent_to() == [
        "alpha-admin@example.com",
        "alpha-member@example.com",
        "beta-admin@example.com",
    ]


def test_a_broken_team_is_reported_and_the_others_carry_on(cast, other_team, monkeypatch):
    real = reminders._remind_team

    def broken_for_alpha(report):
        if report.team.slug == "alpha":
            raise RuntimeError("boom")
        return real(report)

    monkeypatch.setattr(reminders, "_remind_team", broken_for_alpha)
    result = run("--now", MONDAY_NOON)
    assert "alpha: team: RuntimeError('boom')" in result.err
    assert "beta 2024-03-05" in result.out


def test_the_function_returns_one_report_per_team(cast, other_team):
    now = datetime.datetime(2024, 3, 4, 3, 0, tzinfo=datetime.UTC)
    reports = reminders.send_reminders(now=now)
    assert [(r.team.slug, r.date, r.sent) for r in reports] == [
        ("alpha", TUESDAY, 2),
        ("beta", TUESDAY, 0),
    ]
    assert all(r.ok for r in reports)


def test_without_now_the_clock_decides(db):
    TeamFactory(slug="daily", session_weekdays="0123456")
    out = run().out  # whatever tomorrow is, every day is a session day
    assert out.startswith("daily ") and "no session" not in out


# --- links and dates --------------------------------------------------------------------


def test_the_digest_links_to_the_day_or_its_place_in_the_week(cast, hook, team):
    """The digest reaches observers too: the day's record, or the date on its week's
    page (which offers writers the new day) while nobody has started it."""
    team.webhook_url = hook.url
    team.save()
    run("--now", MONDAY_NOON)
    run("--now", "2024-03-05T12:00:00+09:00")  # Wednesday: no day yet
    recorded, unrecorded = (r["body"]["text"].strip() for r in hook.received)
    assert recorded.endswith("https://studylog.example/teams/alpha/days/2024-03-05/")
    assert unrecorded.endswith(
        "https://studylog.example/teams/alpha/weeks/2024-03-06/#d-2024-03-06"
    )


def test_a_reminder_for_the_new_year_shows_the_year(cast, team):
    """On New Year's Eve (in the team's time zone) tomorrow is next year's date."""
    team.starts_on = None
    team.save()
    new_year = datetime.date(2025, 1, 1)
    DayFactory(team=team, date=new_year, number=9, moderator=cast.admin)
    run("--now", "2024-12-31T12:00:00+09:00")
    (moderator,) = [m for m in mail.outbox if m.to == ["alpha-admin@example.com"]]
    assert moderator.subject.endswith("(1/1/2025)")
    assert "https://studylog.example/teams/alpha/days/2025-01-01/edit/" in moderator.body


# Mentions in comments reach the next digest ------------------------------------------


def _mention(cast, body, *, author=None, hidden=False):
    comment = comments.post(
        day=cast.day, author=author or cast.admin, body=body, target=("", None), user=None
    )
    if hidden:
        comments.set_hidden(comment, hidden=True, by=cast.admin, user=None)
    return comment


def test_the_digest_tells_new_mentions_once(cast, hook):
    cast.team.webhook_url = hook.url
    cast.team.save()
    told = _mention(cast, "@이멤버 발표 자료를\n올려 주세요")
    _mention(cast, "@이멤버 이건 숨긴 댓글", hidden=True)
    seen = _mention(cast, "@이멤버 이미 본 댓글")
    Mention.objects.filter(comment=seen).update(seen_at=timezone.now())

    run("--now", MONDAY_NOON)

    digest = hook.received[0]["body"]["text"]
    assert "New mentions in comments:" in digest
    link = f"https://studylog.example/teams/alpha/comments/{told.pk}/"
    line = f"- 이멤버 ← 김관리 (Day2): @이멤버 발표 자료를 올려 주세요 {link}"  # on one line
    assert line in digest.splitlines()
    assert "숨긴" not in digest and "이미 본" not in digest
    assert Mention.objects.get(comment=told).digested_at is not None

    # The next session's digest does not tell it again.
    _mention(cast, "@이멤버 새 소식")
    run("--now", "2024-03-05T12:00:00+09:00")
    second = hook.received[1]["body"]["text"]
    assert "새 소식" in second and "발표 자료" not in second


def test_a_failed_digest_leaves_its_mentions_for_the_next_try(cast, hook):
    cast.team.webhook_url = hook.url
    cast.team.save()
    comment = _mention(cast, "@이멤버 확인해 주세요")
    hook.statuses.append(500)

    run("--now", MONDAY_NOON)
    assert Mention.objects.get(comment=comment).digested_at is None
    run("--now", MONDAY_NOON)  # the retry
    assert "확인해 주세요" in hook.received[1]["body"]["text"]
    assert Mention.objects.get(comment=comment).digested_at is not None


def test_many_mentions_are_summed_up_within_the_webhook_limit(cast, hook):
    cast.team.webhook_url = hook.url
    cast.team.save()
    for n in range(comments.DIGEST_MENTIONS + 3):
        _mention(cast, f"@이멤버 {n}번째 " + "길게 " * 200)

    run("--now", MONDAY_NOON)

    digest = hook.received[0]["body"]["text"]
    assert len(digest) <= 1900
    assert digest.count("이멤버 ← 김관리") == comments.DIGEST_MENTIONS
    assert "and 3 more" in digest
