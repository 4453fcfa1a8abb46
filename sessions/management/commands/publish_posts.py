"""Publish members' posts that are due (queued, or failed and due for a retry): for cron,
where no `db_worker` runs, or beside it (a connection is never run twice at once)."""

from django.core.management.base import BaseCommand

from sessions.blog import crypto, publishing
from sessions.models import BlogConnection


class Command(BaseCommand):
    help = "Publish queued blog posts and retry failed ones whose time has come."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rotate-keys",
            action="store_true",
            help="Re-encrypt every stored credential under the first BLOG_CREDENTIALS_KEY.",
        )

    def handle(self, *args, rotate_keys=False, **options):
        if rotate_keys:
            connections = list(BlogConnection.objects.exclude(credential=""))
            for connection in connections:
                connection.credential = crypto.rotate(connection.credential)
            BlogConnection.objects.bulk_update(connections, ["credential"])
            self.stdout.write(f"Re-encrypted {len(connections)} credentials.")
            return
        count = publishing.run_due()
        self.stdout.write(f"Ran {count} blog connections.")
