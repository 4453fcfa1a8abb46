"""Writes that touch several rows, each in one transaction.

Every edit of a shared row carries the version its editor started from; a save
from a stale version raises `Conflict` and writes nothing. Every write to a day's
session and items takes the day's lock first (closing.lock_open_day), so a day closed
meanwhile refuses it with DayClosed; each rebuilds the day's search documents once, at
its end (search_index.deferred).
"""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from . import day_templates, freshness, history, schedule, search_index
from .closing import lock_open_day
from .live import notify as live
from .models import (
    Attendance,
    Day,
    Invitation,
    MemberLog,
    Membership,
    PostSource,
    PublishedPost,
    Question,
    Revision,
    Team,
)
from .models.base import DayItem, Versioned
from .webhooks import events as webhook_events


class Conflict(Exception):
    """Someone saved the row since the editor loaded it; `current` is their version."""

    def __init__(self, current: Versioned | None):
        super().__init__("stale version")
        self.current = current


def _lock_current(instance: Versioned, expected_version: int) -> Versioned:
    current = type(instance).objects.select_for_update(no_key=True).filter(pk=instance.pk).first()
    if current is None or current.version != expected_version:
        raise Conflict(current)
    return current


def _edited_fields(form, *more: str) -> list[str]:
    model_fields = {f.name for f in form.instance._meta.concrete_fields}
    edited = [name for name in form.fields if name in model_fields]
    return [*edited, *more, "version", "updated_by", "updated_at"]


def save_versioned(form, *, expected_version: int | None, user, **extra) -> Versioned:
    """Save a valid ModelForm of a versioned row, refusing stale versions. A day's
    item also gets a revision in its day's history."""
    with transaction.atomic():
        instance = form.save(commit=False)  # also gives the form its save_m2m()
        for name, value in extra.items():
            setattr(instance, name, value)
        instance.updated_by = user if user.is_authenticated else None
        before = None
        if instance.pk is None:
            if isinstance(instance, DayItem):
                last = type(instance).objects.filter(day=instance.day).aggregate(m=Max("position"))
                instance.position = (last["m"] or 0) + 1
            instance.version = 1
            instance.save()
        else:
            current = _lock_current(instance, expected_version or 0)
            before = history.snapshot(current)
            instance.version = current.version + 1
            # Only what the form edits: a concurrent move (position) or close must survive.
            # An item's pages: freshness.item_edited below, once its fields are known.
            pages = not isinstance(instance, DayItem)
            instance.save(update_fields=_edited_fields(form, *extra), pages=pages)
        form.save_m2m()
        if isinstance(instance, DayItem):
            action = Revision.Action.EDITED if before is not None else Revision.Action.CREATED
            after = history.snapshot(instance)
            history.record(instance, action, user=user, before=before, after=after)
            if before is None:
                live.list_changed(instance.day_id, instance.kind)
                if isinstance(instance, Question):
                    webhook_events.question_added(instance)
            else:
                freshness.item_edited(instance, history.changed_fields(before, after))
                live.texts_saved(instance)
        return instance


def save_item(form, *, expected_version: int | None, user) -> DayItem:
    """Save a valid item form of an open day, under the day's lock."""
    with transaction.atomic():
        lock_open_day(form.instance.day_id)
        return save_versioned(form, expected_version=expected_version, user=user)


def delete_item(item: DayItem, *, expected_version: int, user) -> None:
    """Delete an item of an open day; its last state stays in the day's history, to
    restore from."""
    with transaction.atomic():
        lock_open_day(item.day_id)
        current = _lock_current(item, expected_version)
        history.record(
            current, Revision.Action.DELETED, user=user, before=history.snapshot(current)
        )
        current.delete()
        live.list_changed(item.day_id, item.kind)


def move_item(item: DayItem, direction: str) -> None:
    """Swap an item with its neighbour above ("up") or below ("down")."""
    model = type(item)
    with transaction.atomic():
        lock_open_day(item.day_id)
        siblings = list(model.objects.select_for_update(no_key=True).filter(day=item.day_id))
        ids = [s.pk for s in siblings]
        if item.pk not in ids:
            return
        index = ids.index(item.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(siblings):
            return
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                model.objects.filter(pk=sibling.pk).update(position=position)
        search_index.changed(item.day_id, item.kind)  # UPDATEs go around save(); the order shows
        live.list_changed(item.day_id, item.kind)


def next_day_number(team: Team) -> int:
    """One more than the team's highest number (an imported post without a number)."""
    last = Day.objects.filter(team=team).aggregate(m=Max("number"))["m"]
    return (last or 0) + 1


def number_in_date_order(team: Team, date) -> int:
    """A date's place among the team's days: one more than the day before it."""
    before = Day.objects.filter(team=team, date__lt=date).order_by("-date")
    return (before.values_list("number", flat=True).first() or 0) + 1


def new_day_number(team: Team, date) -> int:
    """A new day's number: its session date's number on a team with a first session day
    (schedule.day_number), else its place in date order."""
    return schedule.day_number(team, date) or number_in_date_order(team, date)


def _make_room(day: Day, *, user) -> list[Day]:
    """Renumber the days after `day` that its number reaches, so numbers keep following
    dates: a day recorded late between Day3 and Day4 is Day4, and the days after it
    move up one, as far as the first gap.

    Only on a team without a first session day (a calendar team's numbers are its
    session dates', which a new day does not move), and never past a day whose number
    is out in the world: one imported from a post (the post's title and file name say
    "Day 8") or published to a blog (a new number would be a second file there). Each
    renumbered day is a new version, with its revision in history; its save re-indexes
    its title and retires the team's cached pages (Day.save).
    """
    if day.team.starts_on is not None:
        return []
    later = list(
        Day.objects.select_for_update(no_key=True, of=("self",))
        .filter(team=day.team_id, date__gt=day.date)
        .order_by("date")
        .select_related("team")
    )
    published = set(
        PostSource.objects.filter(day__in=later).values_list("day_id", flat=True)
    ) | set(PublishedPost.objects.filter(day__in=later).values_list("day_id", flat=True))
    moved, last = [], day.number
    for other in later:
        if other.number > last or other.pk in published:
            break
        before = history.snapshot(other)
        other.number = last + 1
        other.version += 1
        other.updated_by = user
        other.save(update_fields=["number", "version", "updated_by", "updated_at"])
        # Only the number changed: the state after is the one before with it (not a
        # second snapshot, which would read the day's attendance again).
        after = {**before, "number": other.number}
        history.record(other, Revision.Action.EDITED, user=user, before=before, after=after)
        moved.append(other)
        last = other.number
    return moved


def create_day(form, *, team: Team, user) -> Day:
    """Create a day from a valid DayForm, with every active member marked present,
    started from the template the form picked (day_templates.start).

    Its number follows its date unless the person typed one (DayForm.number_follows_date);
    later days make room (_make_room). The team row is locked first, so two days
    created at once are numbered one after the other."""
    with transaction.atomic(), search_index.deferred():
        Team.objects.select_for_update(no_key=True).only("pk").get(pk=team.pk)
        day = form.save(commit=False)
        day.team = team
        day.updated_by = user
        if form.number_follows_date():
            day.number = new_day_number(team, day.date)
        day.save()
        Attendance.objects.bulk_create(
            Attendance(day=day, member=member, status=Attendance.Status.PRESENT)
            for member in team.memberships.participants()
        )
        day_templates.start(day, form.cleaned_data.get("template"))
        _make_room(day, user=user)
        webhook_events.day_created(day)
        return day


def save_session(form, formset, *, expected_version: int, user) -> Day:
    """Save the session fields and the attendance rows (newcomers' new ones too)
    together, under the day's lock."""
    with transaction.atomic(), search_index.deferred():
        lock_open_day(form.instance.pk)
        day = form.instance
        current = _lock_current(day, expected_version)
        before = history.snapshot(current)
        day.version = current.version + 1
        day.updated_by = user
        day.save(update_fields=_edited_fields(form))
        formset.save()
        history.record(day, Revision.Action.EDITED, user=user, before=before)
        live.session_changed(day.pk)
        if before.get("moderator") != day.moderator_id:
            webhook_events.moderator_changed(day, current.moderator, day.moderator)
        return day


def save_log(form, formset, *, expected_version: int | None, user) -> MemberLog:
    """Save a member's retrospective and study links together."""
    with transaction.atomic():
        log = form.instance
        before = None
        if log.pk is None:
            if MemberLog.objects.filter(day=log.day, member=log.member).exists():
                raise Conflict(None)  # the same member saved from another window first
            log.version = 1
            log.updated_by = user
            log.save()
        else:
            current = _lock_current(log, expected_version or 0)
            before = history.snapshot(current)
            log.version = current.version + 1
            log.updated_by = user
            log.save(update_fields=_edited_fields(form))
        formset.instance = log
        formset.save(commit=False)
        for link in formset.deleted_objects:
            link.delete()
        # ordered_forms: kept rows only, in the order the member arranged them.
        for position, link_form in enumerate(formset.ordered_forms, start=1):
            link = link_form.instance
            link.log = log
            link.position = position
            link.save()
        action = Revision.Action.EDITED if before is not None else Revision.Action.CREATED
        history.record(log, action, user=user, before=before)
        if before is not None:
            live.texts_saved(log)
        return log


def create_team(form, *, user) -> Team:
    """Create a team from a valid TeamForm; its creator becomes its first admin."""
    with transaction.atomic():
        team = form.save()
        Membership.objects.create(
            team=team,
            user=user,
            display_name=display_name_for(user),
            role=Membership.Role.ADMIN,
        )
        return team


class LastAdmin(Exception):
    """The change would leave the team without an active admin."""


def update_member(form) -> Membership:
    """Save a valid MemberForm of a member, unless it would leave the team without an
    active admin (LastAdmin, nothing saved). The team's admins are locked first, so two
    admins stepping down at the same moment cannot both succeed."""
    member = form.instance
    with transaction.atomic():
        admins = set(
            Membership.objects.select_for_update(no_key=True)
            .filter(team=member.team_id, role=Membership.Role.ADMIN, is_active=True)
            .values_list("pk", flat=True)
        )
        stays_admin = (
            form.cleaned_data["role"] == Membership.Role.ADMIN and form.cleaned_data["is_active"]
        )
        if member.pk in admins and not stays_admin and not admins - {member.pk}:
            raise LastAdmin
        return form.save()


def display_name_for(user) -> str:
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()


class InvitationError(Exception):
    pass


def join_team(
    team: Team, *, user, former: Membership | None, role: str, display_name: str
) -> Membership:
    """`user` joins `team` with `role`: a former member (`former`, inactive) is active
    again under their old name; anyone else becomes a new member named `display_name`
    (their account's name if blank). InvitationError("name") if the name is taken.
    Called by both ways in: an unbound invitation and a team's join link."""
    if former is not None:
        former.is_active = True
        former.role = role
        former.save(update_fields=["is_active", "role"])
        return former
    name = display_name.strip() or display_name_for(user)
    try:
        with transaction.atomic():
            return Membership.objects.create(team=team, user=user, display_name=name, role=role)
    except IntegrityError as exc:
        raise InvitationError("name") from exc


def accept_invitation(invitation: Invitation, *, user, display_name: str = "") -> Membership:
    """Join the invitation's team: bind to its name-only member, or become a new one."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update(no_key=True).get(pk=invitation.pk)
        if not invitation.is_open:
            raise InvitationError("used")
        team = invitation.team
        existing = Membership.objects.filter(team=team, user=user).first()
        if existing is not None and existing.is_active:
            return existing  # already in the team: leave the invitation for its invitee
        if invitation.member_id:
            locked = Membership.objects.select_for_update(no_key=True)
            membership = locked.get(pk=invitation.member_id)
            if membership.user_id is not None or existing is not None:
                # Someone else's name, or this person already has another name here.
                raise InvitationError("taken")
            membership.user = user
            membership.role = invitation.role
            membership.is_active = True
            membership.save(update_fields=["user", "role", "is_active"])
        else:
            membership = join_team(
                team, user=user, former=existing, role=invitation.role, display_name=display_name
            )
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
        return membership
