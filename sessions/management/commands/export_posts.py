"""`manage.py export_posts --team SLUG --member NAME --out DIR`: a member's days as Jekyll posts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sessions.jekyll.catalogue import write_posts
from sessions.models import Membership, Team


class Command(BaseCommand):
    help = (
        "Write one member's days (those they attended, logged or imported a post of) as "
        "Jekyll posts, one Markdown file per day, into a folder such as their blog's _posts. "
        "An imported post comes back under its own file name, unchanged unless its day was "
        "edited in Studylog. Files of the same name are replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, metavar="SLUG", help="The team's address.")
        parser.add_argument(
            "--member", required=True, metavar="NAME", help="The member's display name."
        )
        parser.add_argument(
            "--out", required=True, metavar="DIR", help="Folder to write into (created if missing)."
        )

    def handle(self, *args, team, member, out, **options):
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team with the address {team!r}.")
        membership = Membership.objects.filter(team=team_obj, display_name=member.strip()).first()
        if membership is None:
            raise CommandError(f"No member called {member!r} in {team_obj.slug}.")

        out_dir = Path(out)
        paths = write_posts(team_obj, membership, out_dir)
        noun = "post" if len(paths) == 1 else "posts"
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {len(paths)} {noun} for {membership.display_name} to {out_dir}."
            )
        )
