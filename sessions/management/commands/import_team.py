"""`manage.py import_team FILE [--slug NEW]`: create a team from an `export_team` backup."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessions.backup import BackupError, import_team


class Command(BaseCommand):
    help = (
        "Create a team from a file written by `export_team`, in one transaction: on any "
        "problem nothing is written. Accounts are linked by username; missing ones are "
        "created with no usable password (set one with `changepassword`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON file written by export_team.")
        parser.add_argument(
            "--slug",
            metavar="NEW",
            help="Import under this address instead of the one in the file (e.g. for a copy).",
        )

    def handle(self, *args, file, slug=None, **options):
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file} is not a UTF-8 JSON file: {exc}") from exc

        started = timezone.now()
        try:
            team = import_team(data, slug=slug)
        except BackupError as exc:
            raise CommandError(f"Nothing imported. {exc}") from exc

        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {team.name} ({team.slug}): {team.memberships.count()} members, "
                f"{team.days.count()} days."
            )
        )
        usernames = [user["username"] for user in data["users"]]
        created = get_user_model().objects.filter(username__in=usernames, date_joined__gte=started)
        for username in sorted(created.values_list("username", flat=True)):
            self.stdout.write(
                f"Created account {username} with no usable password "
                f"(set one with `manage.py changepassword {username}`)."
            )
