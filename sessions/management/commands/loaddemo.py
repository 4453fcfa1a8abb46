"""`manage.py loaddemo [--if-empty]`: load the invented demo team and print its login."""

import os

from django.core.management.base import BaseCommand, CommandError

from sessions.demo import DEMO_SLUG, DemoError, demo_login, load_demo
from sessions.models import Team


class Command(BaseCommand):
    help = "Create the invented demo team 'demo' with two weeks of peer-session records."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has a team (for `make run`).",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Team.objects.exists():
            self.stdout.write("Teams already exist; demo not loaded.")
        else:
            try:
                load_demo(stdout=self.stdout)
            except DemoError as exc:
                if not Team.objects.filter(slug=DEMO_SLUG).exists():
                    raise CommandError(str(exc)) from exc
                self.stdout.write(f"{exc} Nothing loaded.")
        if Team.objects.filter(slug=DEMO_SLUG).exists():
            login = demo_login()
            port = os.environ.get("PORT", "8000")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo login: {login['username']} / {login['password']}"
                    f"  →  http://127.0.0.1:{port}/"
                )
            )
