"""Teams, their members and invitations."""

import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import DeletedByItsQuerySet, OnTeamPages, TeamRowQuerySet, freshness, search_index


def validate_weekdays(value: str) -> None:
    if not value or any(c not in "0123456" for c in value) or len(set(value)) != len(value):
        raise ValidationError(_("Choose at least one weekday."))


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."))


class TeamQuerySet(models.QuerySet):
    def delete(self):
        # Their pages go, under the addresses they had.
        freshness().retire_slugs(self.values_list("slug", flat=True))
        return super().delete()


class Team(DeletedByItsQuerySet):
    class Language(models.TextChoices):
        KOREAN = "ko", _("Korean")
        ENGLISH = "en", _("English")

    class Rotation(models.TextChoices):
        NAME = "name", _("Name order (가나다)")
        CUSTOM = "custom", _("Custom order")
        MANUAL = "manual", _("Manual")

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("address"), max_length=50, unique=True, allow_unicode=False)
    course = models.CharField(_("course"), max_length=60, blank=True, default="boostcourse")
    mentor = models.CharField(_("mentor"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    ground_rules = models.TextField(_("ground rules"), blank=True, max_length=5000)
    language = models.CharField(
        _("record language"), max_length=2, choices=Language, default=Language.KOREAN
    )
    # The session calendar: which weekdays, what time, from which date.
    starts_on = models.DateField(_("first session day"), null=True, blank=True)
    session_weekdays = models.CharField(
        _("session weekdays"), max_length=7, default="01234", validators=[validate_weekdays]
    )  # Monday is 0, as in date.weekday()
    session_start = models.TimeField(_("session starts"), default=datetime.time(16, 0))
    session_end = models.TimeField(_("session ends"), default=datetime.time(17, 30))
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Seoul", validators=[validate_timezone]
    )
    rotation = models.CharField(
        _("moderator rotation"), max_length=10, choices=Rotation, default=Rotation.NAME
    )
    post_footer = models.TextField(
        _("post footer"),
        blank=True,
        max_length=2000,
        help_text=_("Markdown added at the end of every exported blog post."),
    )
    webhook_url = models.URLField(
        _("webhook URL"),
        blank=True,
        help_text=_("A Slack or Discord incoming-webhook URL that receives the reminders."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(session_end__gt=models.F("session_start")),
                name="team_session_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.name

    # Every change to the team retires its cached pages: under its old address (read
    # before the row changes: a rename or a deletion) and under its new one.
    def save(self, *args, **kwargs):
        adding = self._state.adding
        if self.pk is not None:
            freshness().touch_teams([self.pk])
        super().save(*args, **kwargs)
        if adding:
            from .templates import add_built_in

            add_built_in(self)
        freshness().retire_slugs([self.slug])

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def weekdays(self) -> set[int]:
        return {int(c) for c in self.session_weekdays}

    def is_session_weekday(self, date: datetime.date) -> bool:
        return date.weekday() in self.weekdays


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class MembershipQuerySet(TeamRowQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def participants(self):
        """Active members who take part in sessions (observers only read)."""
        return self.filter(is_active=True).exclude(role=Membership.Role.OBSERVER)

    def delete(self):
        # Their logs go with them, and with the logs their retrospectives' search text.
        from .logs import MemberLog

        days = set(MemberLog.objects.filter(member__in=self).values_list("day_id", flat=True))
        with search_index().deferred():
            result = super().delete()
            for day_id in days:
                search_index().changed(day_id, "retrospective")
        return result


class Membership(OnTeamPages):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")
        OBSERVER = "observer", _("Observer")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    display_name = models.CharField(_("display name"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.MEMBER)
    is_active = models.BooleanField(_("active"), default=True)
    rotation_order = models.PositiveIntegerField(_("rotation order"), default=0)
    calendar_token = models.CharField(
        max_length=64, unique=True, default=_new_token, editable=False
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    # When the member last came (back) into the rotation: set as an inactive member or an
    # observer becomes a participant, so the rotation queues them behind those already in
    # it (schedule.py). A new member is queued from joined_at.
    rotation_since = models.DateField(null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["rotation_order", "display_name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=Q(user__isnull=False),
                name="membership_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["team", "display_name"], name="membership_unique_display_name"
            ),
            models.CheckConstraint(
                condition=~Q(display_name=""), name="membership_display_name_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @classmethod
    def from_db(cls, db, field_names, values):
        membership = super().from_db(db, field_names, values)
        if "is_active" in field_names and "role" in field_names:  # not deferred
            membership._loaded_participant = membership.is_participant
        return membership

    def save(self, *args, **kwargs):
        if not self._state.adding and self.is_participant:
            if getattr(self, "_loaded_participant", True) is False:
                self.rotation_since = timezone.localdate(timezone=self.team.tz)
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "rotation_since"}
        super().save(*args, **kwargs)
        self._loaded_participant = self.is_participant
        from ..live import notify  # open live editors read the member's role again

        notify.access_changed(self.team_id)

    @property
    def is_participant(self) -> bool:
        """Active and not an observer: takes part in sessions and in the rotation."""
        return self.is_active and self.role != self.Role.OBSERVER

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def can_write(self) -> bool:
        return self.is_active and self.role in (self.Role.ADMIN, self.Role.MEMBER)


# An invitation link is a secret that travels through chat rooms: it stops working two
# weeks after it was made, used or not.
INVITATION_LIFETIME = datetime.timedelta(days=14)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Not yet used, and not expired."""
        since = timezone.now() - INVITATION_LIFETIME
        return self.filter(accepted_at__isnull=True, created_at__gt=since)


class Invitation(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role, default=Membership.Role.MEMBER
    )
    member = models.ForeignKey(
        Membership,
        verbose_name=_("for member"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        help_text=_("Bind the invitation to a member who has no account yet."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Where the link was e-mailed to, when an admin sent it that way (blank otherwise).
    email = models.EmailField(_("e-mail address"), blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        target = self.member.display_name if self.member_id else self.get_role_display()
        return f"{self.team} → {target}"

    @property
    def is_expired(self) -> bool:
        return self.created_at is not None and (
            timezone.now() >= self.created_at + INVITATION_LIFETIME
        )

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and not self.is_expired


class JoinLinkQuerySet(models.QuerySet):
    def open(self):
        """Not revoked, and not past its expiry (if it has one)."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class JoinLink(models.Model):
    """A team's reusable join link: anyone with an account who opens it joins the team
    under a name they choose, until an admin revokes it or it expires. A team has at
    most one that is not revoked; making a new one revokes the old."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="join_links")
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role, default=Membership.Role.MEMBER
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)  # how many joined through it
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = JoinLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("join link")
        verbose_name_plural = _("join links")
        constraints = [
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(revoked_at__isnull=True),
                name="join_link_one_unrevoked_per_team",
            ),
            # A link anyone may pass on never makes admins.
            models.CheckConstraint(condition=~Q(role="admin"), name="join_link_not_admin"),
        ]

    def __str__(self) -> str:
        return f"{self.team} → {self.get_role_display()}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def works_until(self) -> datetime.date | None:
        """The last day it works, in the team's time zone (it expires as that day ends)."""
        if self.expires_at is None:
            return None
        last = self.expires_at.astimezone(self.team.tz) - datetime.timedelta(microseconds=1)
        return last.date()
