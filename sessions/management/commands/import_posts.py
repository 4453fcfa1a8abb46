"""`manage.py import_posts --team SLUG [--member NAME] FILE_OR_DIR...`: blog posts into a team."""

from django.core.management.base import BaseCommand, CommandError

from sessions.jekyll.importer import FAILED, IMPORTED, UNCHANGED, import_files
from sessions.models import Team


class Command(BaseCommand):
    help = (
        "Import Jekyll posts (Markdown files, folders of them, or .zip archives) into a "
        "team's days. Each file is imported on its own and kept as the member's post of its "
        "day (export_posts writes it back); files imported before are skipped. "
        "Exits with status 1 when any file failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
        parser.add_argument("--team", required=True, metavar="SLUG", help="The team's address.")
        parser.add_argument(
            "--member",
            metavar="NAME",
            help=(
                "Display name of the member whose posts these are (created as a member "
                "without an account if the team has nobody of that name). Default: the "
                "post's `author:`, else the team's only member with an account."
            ),
        )

    def handle(self, *args, paths, team, member=None, **options):
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team with the address {team!r}.")

        report = import_files(team_obj, paths, member_name=member)
        styles = {IMPORTED: self.style.SUCCESS, UNCHANGED: str, FAILED: self.style.ERROR}
        for result in report.results:
            line = f"{result.name}: {result.status}"
            if result.reason:
                line += f" — {result.reason}"
            self.stdout.write(styles[result.status](line))
        summary = (
            f"{report.count(IMPORTED)} imported, {report.count(UNCHANGED)} unchanged, "
            f"{report.count(FAILED)} failed."
        )
        self.stdout.write(summary)
        if not report.ok:
            noun = "file" if report.count(FAILED) == 1 else "files"
            raise CommandError(
                f"{report.count(FAILED)} {noun} could not be imported.", returncode=1
            )
