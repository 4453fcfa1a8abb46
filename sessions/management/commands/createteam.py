"""`manage.py createteam SLUG --name NAME [--admin USERNAME] [--course C]`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sessions import services
from sessions.forms.teams import TeamForm
from sessions.models import Team


class Command(BaseCommand):
    help = "Create a team; with --admin, an existing user becomes its first admin."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The team's address: lowercase letters, digits, hyphens.")
        parser.add_argument("--name", required=True, help="The team's name.")
        parser.add_argument("--admin", metavar="USERNAME", help="An existing user to make admin.")
        parser.add_argument("--course", default="boostcourse", help="Default: boostcourse.")

    def handle(self, *args, slug, name, admin=None, course="boostcourse", **options):
        user = None
        if admin:
            User = get_user_model()
            try:
                user = User.objects.get(**{User.USERNAME_FIELD: admin})
            except User.DoesNotExist as exc:
                raise CommandError(f"No user named {admin!r}.") from exc

        # The same form as the web page, so the same rules apply (reserved and taken slugs).
        form = TeamForm(
            data={"slug": slug, "name": name, "course": course, "language": Team.Language.KOREAN}
        )
        if not form.is_valid():
            errors = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in form.errors.items()
            )
            raise CommandError(f"Cannot create team {slug!r}: {errors}")

        with transaction.atomic():
            if user is None:
                team = form.save()
            else:
                team = services.create_team(form, user=user)
        self.stdout.write(self.style.SUCCESS(f"Created team {team.name} ({team.slug})."))
        if user is not None:
            member = team.memberships.get(user=user)
            self.stdout.write(f"{admin} is its admin, shown as {member.display_name}.")
