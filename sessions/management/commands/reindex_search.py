"""`manage.py reindex_search [SLUG ...]`: rebuild the search documents of teams."""

from django.core.management.base import BaseCommand, CommandError

from sessions.models import Team
from sessions.search_index import reindex_team


class Command(BaseCommand):
    help = (
        "Rebuild the search documents of the given teams (every team without one), with "
        "the Korean analyzer's stems. Migrations do this when the documents change; this "
        "is for repairs, and is safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="A team's address.")

    def handle(self, *args, slugs, **options):
        teams = Team.objects.order_by("pk")
        if slugs:
            teams = teams.filter(slug__in=slugs)
            missing = set(slugs) - set(teams.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No team with the address {', '.join(sorted(missing))}.")
        for team in teams:
            self.stdout.write(f"{team.slug}: {reindex_team(team)} days reindexed.")
