"""`manage.py addmember SLUG USERNAME [--password P] [--email ADDRESS] [--role R]
[--display-name NAME]`."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from sessions import services
from sessions.models import Membership, Team
from sessions.models.accounts import email_taken, normalize_email


class Command(BaseCommand):
    help = (
        "Add a user to a team, creating the account when it does not exist; "
        "for someone already in the team, update their role or display name."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The team's address.")
        parser.add_argument("username")
        parser.add_argument(
            "--password",
            help="Password for a new account (default: unusable). Existing accounts keep theirs.",
        )
        parser.add_argument(
            "--role",
            help=f"One of {', '.join(Membership.Role.values)} (default: member for a new member).",
        )
        parser.add_argument("--display-name", help="Name shown in the team (must be unique there).")
        parser.add_argument(
            "--email",
            help="The account's e-mail address, for reminders and password reset (new or "
            "existing account; no other account may have it).",
        )

    @transaction.atomic
    def handle(
        self,
        *args,
        slug,
        username,
        password=None,
        role=None,
        display_name=None,
        email=None,
        **opts,
    ):
        # call_command() skips argparse's `choices` for keyword options, so check here.
        if role is not None and role not in Membership.Role.values:
            raise CommandError(
                f"Unknown role {role!r}: choose one of {', '.join(Membership.Role.values)}."
            )
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise CommandError(f"No team with the address {slug!r}.")
        if email is not None:
            email = self._checked_email(email)

        user, created = self._get_or_create_user(username, password)
        if email is not None and email != user.email:
            # Raised inside the transaction: an account created above is rolled back.
            if email_taken(email, exclude=user):
                raise CommandError(f"Another account already uses the e-mail address {email}.")
            user.email = email
            user.save(update_fields=["email"])
            self.stdout.write(f"E-mail address of {username} set to {email}.")
        membership = Membership.objects.filter(team=team, user=user).first()
        new_member = membership is None
        if new_member:
            membership = Membership(team=team, user=user, role=role or Membership.Role.MEMBER)
            membership.display_name = services.display_name_for(user)
        elif role:
            membership.role = role
        if display_name is not None:
            membership.display_name = display_name.strip()
        if not membership.display_name:
            raise CommandError("The display name cannot be empty.")
        clash = Membership.objects.filter(team=team, display_name=membership.display_name)
        if membership.pk:
            clash = clash.exclude(pk=membership.pk)
        if clash.exists():
            raise CommandError(
                f"Another member of {team.slug} is already called {membership.display_name!r}; "
                "choose one with --display-name."
            )
        membership.is_active = True
        membership.save()

        if created:
            kind = "with a password" if password else "with no usable password"
            self.stdout.write(f"Created user {username} ({kind}).")
        elif password:
            self.stdout.write(f"User {username} already exists; their password is unchanged.")
        action = "Added" if new_member else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{action} {membership.display_name} ({username}) in {team.slug} "
                f"as {membership.role}."
            )
        )

    def _checked_email(self, email: str) -> str:
        address = normalize_email(email)
        try:
            validate_email(address)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not a valid e-mail address.") from exc
        return address

    def _get_or_create_user(self, username, password):
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is not None:
            return user, False
        user = User(**{User.USERNAME_FIELD: username})
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        try:
            user.full_clean()
        except ValidationError as exc:
            raise CommandError(f"Cannot create user {username!r}: {exc.messages[0]}") from exc
        user.save()
        return user, True
