"""Tomorrow's reminders: e-mails to the moderator and presenters, a digest to the team's webhook.

`manage.py send_reminders` runs this from cron every few minutes. Every reminder is a
ReminderLog row with a unique key, created in the same transaction as the send: a send
that fails rolls its row back, so the next run retries it, and a run that races another
one hits the unique key and skips. A reminder whose send succeeded but whose commit then
failed would go out again: delivery is at least once, not exactly once.
"""

import datetime
import json
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import comments, dates, outbound, schedule
from .models import AssignmentReview, Day, Membership, ReminderLog, Team
from .search.plain import plain

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 5  # seconds
# Discord refuses messages over 2,000 characters; Slack takes more, but one limit fits both.
WEBHOOK_MAX_CHARS = 1900

SENT, ALREADY, WOULD_SEND, FAILED = "sent", "already sent", "would send", "failed"


@dataclass
class TeamReport:
    """What one run did for one team: the command prints `line()`."""

    team: Team
    date: datetime.date  # tomorrow, in the team's time zone
    today: datetime.date | None = None  # the run's today there (dates show its year)
    dry_run: bool = False
    session: bool = True
    sent: int = 0  # e-mails sent (or, in a dry run, that would be)
    already: int = 0  # e-mails a previous run sent
    skipped: list[str] = field(default_factory=list)  # members without an address
    failed: list[str] = field(default_factory=list)  # "whose e-mail: why"
    webhook: str = ""  # SENT, ALREADY, WOULD_SEND, FAILED, or "" (no webhook)
    webhook_error: str = ""
    no_moderator: bool = False

    def line(self) -> str:
        head = f"{self.team.slug} {self.date.isoformat()}"
        if not self.session:
            return f"{head}: no session"
        verb = "to send" if self.dry_run else "sent"
        parts = [
            f"{self.sent} e-mail{'' if self.sent == 1 else 's'} {verb}",
            f"{self.already} already sent",
            f"{len(self.skipped)} skipped (no account, no e-mail or inactive)",
        ]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.no_moderator:
            parts.append("no moderator")
        line = f"{head}: " + ", ".join(parts)
        if self.webhook:
            line += f"; webhook {self.webhook}"
        if self.webhook_error:
            line += f" ({self.webhook_error})"
        return line

    @property
    def ok(self) -> bool:
        return not self.failed and self.webhook != FAILED


def send_reminders(
    *, now: datetime.datetime | None = None, dry_run: bool = False
) -> list[TeamReport]:
    """Remind every team's people about tomorrow's session; one report per team."""
    now = now or timezone.now()
    reports = []
    for team in Team.objects.order_by("slug"):
        tomorrow = now.astimezone(team.tz).date() + datetime.timedelta(days=1)
        report = TeamReport(
            team=team, date=tomorrow, today=tomorrow - datetime.timedelta(days=1), dry_run=dry_run
        )
        try:
            _remind_team(report)
        except Exception as exc:  # one broken team must not stop the others
            logger.exception("Reminders for team %s failed", team.slug)
            report.failed.append(f"team: {exc!r}")
        reports.append(report)
    return reports


def _remind_team(report: TeamReport) -> None:
    team, date = report.team, report.date
    before_start = team.starts_on is not None and date < team.starts_on
    if before_start or not schedule.is_session_date(team, date):
        report.session = False
        return

    day = Day.objects.filter(team=team, date=date).select_related("moderator__user").first()
    if day is not None and day.moderator_id:
        moderator = day.moderator
    else:
        moderator = schedule.scheduled_moderator(team, date)
    reviews = (
        list(
            AssignmentReview.objects.filter(day=day).prefetch_related(
                models.Prefetch("presenters", queryset=Membership.objects.select_related("user"))
            )
        )
        if day is not None
        else []
    )
    context = {
        "team": team,
        "date": date,
        "start": team.session_start,
        "end": team.session_end,
        "moderator": moderator,
        "reviews": reviews,
        "day": day,
        **_links(team, date, day),
    }

    def label() -> str:  # in the team's language (the subject is made there), year if not this
        return dates.short_date(date, report.today, weekday=False)

    if moderator is None:
        report.no_moderator = True
    else:
        _email(
            report,
            ReminderLog.Kind.MODERATOR,
            moderator,
            template="peer/email/moderator.txt",
            subject=lambda: (
                _("[Studylog] You are moderating tomorrow's peer session (%(date)s)")
                % {"date": label()}
            ),
            context=context,
        )

    presenting: dict[int, tuple[Membership, list[AssignmentReview]]] = {}
    for review in reviews:
        for member in review.presenters.all():
            presenting.setdefault(member.pk, (member, []))[1].append(review)
    for member, own in sorted(presenting.values(), key=lambda p: p[0].display_name):
        _email(
            report,
            ReminderLog.Kind.PRESENTER,
            member,
            template="peer/email/presenter.txt",
            subject=lambda: (
                _("[Studylog] You present an assignment review tomorrow (%(date)s)")
                % {"date": label()}
            ),
            context={**context, "own_reviews": own},
        )

    if team.webhook_url:
        mentions = comments.undigested_mentions(team)

        def send_digest():
            shown = mentions[: comments.DIGEST_MENTIONS]
            for mention in shown:
                path = reverse("peer:comment", args=[team.slug, mention.comment_id])
                mention.url = outbound.site_url(path)
                text = plain(mention.comment.body)  # one line, without its markup
                mention.snippet = text if len(text) <= 60 else text[:59] + "…"
            more = len(mentions) - len(shown)
            text = _render(
                team, "peer/email/digest.txt", {**context, "mentions": shown, "more": more}
            )
            post_webhook(team.webhook_url, text)
            comments.mark_digested(mentions)  # in _deliver's transaction: undone if it fails

        report.webhook, report.webhook_error = _deliver(
            report, ReminderLog.Kind.WEBHOOK, None, send=send_digest
        )


def _links(team: Team, date: datetime.date, day: Day | None) -> dict[str, str]:
    """Where a reminder sends people: the day itself, not the team's home.

    `editor_url` (the e-mails, to the moderator and presenters, who write): the day's
    editor, or the new-day page for that date while nobody has started the day.
    `record_url` (the digest, which observers read too): the day's record, or the
    date on its week's page (which offers writers the new day) until there is one.
    """
    if day is not None:
        kwargs = {"team": team.slug, "date": date}
        return {
            "editor_url": outbound.site_url(reverse("peer:day_edit", kwargs=kwargs)),
            "record_url": outbound.site_url(reverse("peer:day", kwargs=kwargs)),
        }
    create = reverse("peer:day_create", kwargs={"team": team.slug})
    week = reverse("peer:archive_week", kwargs={"team": team.slug, "date": date})
    return {
        "editor_url": outbound.site_url(f"{create}?date={date.isoformat()}"),
        "record_url": outbound.site_url(f"{week}#d-{date.isoformat()}"),
    }


def _email(report, kind, member, *, template, subject: Callable[[], str], context) -> None:
    address = _address(member)
    if address is None:
        report.skipped.append(member.display_name)
        return
    team = report.team

    def send():
        context_for = {**context, "member": member}
        body = _render(team, template, context_for)
        with translation.override(team.language):
            title = subject()
        EmailMessage(title, body, to=[address], headers={"Auto-Submitted": "auto-generated"}).send()

    outcome, error = _deliver(report, kind, member, send=send)
    if outcome in (SENT, WOULD_SEND):
        report.sent += 1
    elif outcome == ALREADY:
        report.already += 1
    else:
        report.failed.append(f"{kind} e-mail to {member.display_name}: {error}")


def _deliver(report, kind, member, *, send: Callable[[], None]) -> tuple[str, str]:
    """Send one reminder unless it went out before.

    Returns the outcome (SENT, ALREADY, WOULD_SEND or FAILED) and, on failure, why.
    """
    key = ReminderLog.make_key(report.team, report.date, kind, member)
    if _already_sent(key):
        return ALREADY, ""
    if report.dry_run:
        return WOULD_SEND, ""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                team=report.team, date=report.date, kind=kind, member=member, key=key
            )
            send()
    except IntegrityError:
        # Another run recorded this reminder between our check and our insert.
        return ALREADY, ""
    except Exception as exc:  # SMTP, DNS, HTTP…: the report says so; the next run retries
        return FAILED, str(exc) or exc.__class__.__name__
    return SENT, ""


def _already_sent(key: str) -> bool:
    return ReminderLog.objects.filter(key=key).exists()


def _address(member: Membership) -> str | None:
    user = member.user
    if not member.is_active or user is None or not user.is_active or not user.email:
        return None
    return user.email


def _render(team: Team, template: str, context: dict) -> str:
    with translation.override(team.language):
        return render_to_string(template, context).strip() + "\n"


class WebhookError(Exception):
    pass


def post_webhook(url: str, text: str, *, timeout: float = WEBHOOK_TIMEOUT) -> None:
    """POST Slack- and Discord-compatible JSON; raise on anything but a 2xx answer."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise WebhookError(f"not an http(s) URL: {url!r}")
    if len(text) > WEBHOOK_MAX_CHARS:
        text = text[: WEBHOOK_MAX_CHARS - 1] + "…"
    # Discord pings whoever text names (@everyone included) unless told not to.
    body = json.dumps({"text": text, "content": text, "allowed_mentions": {"parse": []}})
    try:
        status = outbound.post_json(
            url, body.encode(), {"User-Agent": "Studylog reminders"}, timeout=timeout
        )
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, malformed URL
        raise WebhookError(str(getattr(exc, "reason", exc))) from exc
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status}")
