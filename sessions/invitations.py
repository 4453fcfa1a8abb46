"""The ways into a team besides a one-time link: a reusable join link, and invitations
e-mailed to several addresses at once."""

import datetime
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Invitation, JoinLink, Membership, Team
from .services import InvitationError, join_team

log = logging.getLogger(__name__)

MAX_ADDRESSES = 20  # one form's worth: a team is a handful of people, not a mailing list
ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


# --- the join link -----------------------------------------------------------------------


def create_join_link(
    team: Team, *, role: str, expires_at: datetime.datetime | None, created_by
) -> JoinLink:
    """The team's new join link; the one it had before, if any, stops working."""
    with transaction.atomic():
        revoke_join_link(team)
        return JoinLink.objects.create(
            team=team, role=role, expires_at=expires_at, created_by=created_by
        )


def revoke_join_link(team: Team) -> int:
    """Revoke the team's join link; how many were revoked (0 or 1)."""
    return JoinLink.objects.filter(team=team, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def join_by_link(link: JoinLink, *, user, display_name: str) -> tuple[Membership, bool]:
    """`user` joins the link's team (see services.join_team); the membership and
    whether it is new. Someone already in the team stays as they are, and the link
    counts only those who joined. InvitationError("closed") once the link is revoked
    or expired, ("name") if the name is taken."""
    with transaction.atomic():
        link = JoinLink.objects.select_for_update(no_key=True).get(pk=link.pk)
        if not link.is_open:
            raise InvitationError("closed")
        existing = Membership.objects.filter(team=link.team_id, user=user).first()
        if existing is not None and existing.is_active:
            return existing, False
        membership = join_team(
            link.team, user=user, former=existing, role=link.role, display_name=display_name
        )
        JoinLink.objects.filter(pk=link.pk).update(uses=F("uses") + 1)
        return membership, True


# --- invitations by e-mail -----------------------------------------------------------------


def split_addresses(text: str) -> list[str]:
    """The addresses typed one per line or separated by commas (or semicolons, as some
    mail programs copy them), each once, in the order given."""
    seen, addresses = set(), []
    for address in ADDRESS_SEPARATORS.split(text):
        if address and address.lower() not in seen:
            seen.add(address.lower())
            addresses.append(address)
    return addresses


def invalid_addresses(addresses: list[str]) -> list[str]:
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    return bad


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    already_members: list[str] = field(default_factory=list)  # not invited again
    failed: list[str] = field(default_factory=list)  # invitation made, e-mail not sent


def member_addresses(team: Team, addresses: list[str]) -> set[str]:
    """Those of `addresses` (lowercased) that belong to an active member's account."""
    lowered = {a.lower() for a in addresses}
    found = (
        Membership.objects.filter(team=team, is_active=True, user__isnull=False)
        .annotate(address=Lower("user__email"))
        .filter(address__in=lowered)
        .values_list("address", flat=True)
    )
    return set(found)


def send_invitations(
    team: Team,
    *,
    addresses: list[str],
    role: str,
    created_by,
    link_for: Callable[[Invitation], str],
) -> SendReport:
    """One one-time invitation per address, each e-mailed with its own link, in the
    team's language. Addresses of members already in the team get none. The invitations
    are saved before sending: if the mail server refuses some, their links are still
    listed on the members page to pass on by hand."""
    report = SendReport()
    members = member_addresses(team, addresses)
    report.already_members = [a for a in addresses if a.lower() in members]
    to_invite = [a for a in addresses if a.lower() not in members]
    with transaction.atomic():
        invitations = [
            Invitation.objects.create(team=team, role=role, email=address, created_by=created_by)
            for address in to_invite
        ]
    if not invitations:
        return report
    inviter = _inviter_name(team, created_by)
    with translation.override(team.language):
        subject = _("[Studylog] You are invited to %(team)s") % {"team": team.name}
        messages = [
            EmailMessage(
                subject,
                render_to_string(
                    "peer/email/invitation.txt",
                    {"team": team, "inviter": inviter, "url": link_for(inv), "role": role},
                ),
                to=[inv.email],
                headers={"Auto-Submitted": "auto-generated"},
            )
            for inv in invitations
        ]
    # One connection for all of them; a refusal is reported, not raised: the
    # invitations exist either way.
    try:
        with get_connection() as connection:
            for message in messages:
                message.connection = connection
                try:
                    message.send()
                except Exception:  # noqa: BLE001 (SMTP and socket errors alike)
                    log.exception("invitation e-mail to %s was not sent", message.to[0])
                    report.failed.append(message.to[0])
                else:
                    report.sent.append(message.to[0])
    except Exception:  # noqa: BLE001 (the server could not be reached at all)
        log.exception("the mail server could not be reached")
        report.failed = [m.to[0] for m in messages if m.to[0] not in report.sent]
    return report


def _inviter_name(team: Team, user) -> str:
    name = (
        Membership.objects.filter(team=team, user=user)
        .values_list("display_name", flat=True)
        .first()
    )
    return name or user.get_username()
