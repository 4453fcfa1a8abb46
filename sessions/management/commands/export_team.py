"""`manage.py export_team SLUG --out FILE`: the whole team as a JSON backup."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sessions.backup import export_team
from sessions.models import Team


class Command(BaseCommand):
    help = (
        "Write a team, with its members, days, items, logs and schedule, to a UTF-8 JSON "
        "file that `import_team` reads back into this or another database. Invitations "
        "are not included (see sessions/backup.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The team's address.")
        parser.add_argument("--out", required=True, metavar="FILE", help="The file to write.")

    def handle(self, *args, slug, out, **options):
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise CommandError(f"No team with the address {slug!r}.")
        document = export_team(team)
        text = json.dumps(document, ensure_ascii=False, indent=1)
        try:
            Path(out).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror or exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {team.name} ({team.slug}): {len(document['members'])} members, "
                f"{len(document['days'])} days, to {out}."
            )
        )
