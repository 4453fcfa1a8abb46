"""`manage.py send_reminders [--now ISO_DATETIME] [--dry-run]`: tomorrow's reminders, for cron."""

import argparse
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from sessions import reminders


def aware_datetime(value: str) -> datetime.datetime:
    """An ISO 8601 moment; one without an offset is read in settings.TIME_ZONE."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {value!r}") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "E-mail each team's moderator and presenters of tomorrow's session (in the team's "
        "time zone) and post a digest to the team's webhook. Safe to run every few minutes: "
        "nothing is sent twice, and what failed is retried on the next run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            type=aware_datetime,
            metavar="ISO_DATETIME",
            help="Act as if it were this moment, e.g. 2024-11-29T18:00+09:00 (default: now).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be sent; send and record nothing.",
        )

    def handle(self, *args, now=None, dry_run=False, **options):
        reports = reminders.send_reminders(now=now, dry_run=dry_run)
        for report in reports:
            if options["verbosity"] >= 1:
                self.stdout.write(("[dry run] " if dry_run else "") + report.line())
            # Failures also go to stderr, which cron mails even when stdout is discarded.
            for failure in report.failed:
                self.stderr.write(f"{report.team.slug}: {failure}")
            if report.webhook_error:
                self.stderr.write(f"{report.team.slug}: webhook: {report.webhook_error}")
