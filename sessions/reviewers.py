"""Choosing who presents the day's assignment reviews, fairly, and assigning them safely.

Every write of presenters (accepting a suggestion, saving a review's form) locks the
day's row first, so two people assigning at once are serialised: the second sees the
first's presenters and is refused rather than double-booking someone.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max, Q

from . import history, search_index
from .closing import lock_open_day
from .models import AssignmentReview, Attendance, Day, Membership, Revision
from .services import Conflict, save_item, save_versioned

AWAY = (Attendance.Status.ABSENT, Attendance.Status.EXCUSED)

Plan = dict[int | None, set[int]]  # review pk (None: a review being created) → member pks


def eligible(day: Day) -> list[Membership]:
    """Participants who are not marked absent or excused that day."""
    away = Attendance.objects.filter(day=day, status__in=AWAY).values("member")
    return list(Membership.objects.participants().filter(team=day.team_id).exclude(pk__in=away))


def ranking(day: Day, members: list[Membership]) -> list[Membership]:
    """Fewest past presentations first, then least recently, then rotation order."""
    before = Q(reviews__day__date__lt=day.date, reviews__day__team=day.team_id)
    stats = {
        row["pk"]: row
        for row in Membership.objects.filter(pk__in=[m.pk for m in members])
        .annotate(n=Count("reviews", filter=before), last=Max("reviews__day__date", filter=before))
        .values("pk", "n", "last")
    }
    never = datetime.date.min
    return sorted(
        members,
        key=lambda m: (
            stats[m.pk]["n"],
            stats[m.pk]["last"] or never,
            m.rotation_order,
            m.display_name,
            m.pk,
        ),
    )


def bookings(day: Day) -> Plan:
    """Who presents each of the day's reviews, as saved (reviews without anyone included)."""
    reviews = AssignmentReview.objects.filter(day=day).values_list("pk", flat=True)
    plan: Plan = {pk: set() for pk in reviews}
    through = AssignmentReview.presenters.through.objects.filter(assignmentreview__day=day)
    for review_pk, member_pk in through.values_list("assignmentreview_id", "membership_id"):
        plan[review_pk].add(member_pk)
    return plan


def doubles_allowed(day: Day, n_reviews: int) -> bool:
    """Someone may present two reviews only when the reviews outnumber the people present."""
    return n_reviews > len(eligible(day))


def suggest(day: Day, reviews: Iterable[AssignmentReview]) -> dict[int, Membership]:
    """A presenter for each of `reviews` (those still without one), fairest first.

    People already presenting another review of the day come last, and only when the
    reviews outnumber the people present; otherwise a review left over gets no proposal.
    """
    reviews = list(reviews)
    people = ranking(day, eligible(day))
    if not people or not reviews:
        return {}
    filling = {r.pk for r in reviews}
    booked = bookings(day)
    busy = {pk for review_pk, pks in booked.items() if review_pk not in filling for pk in pks}
    free = [m for m in people if m.pk not in busy]
    n_reviews = len(filling | set(booked))
    if doubles_allowed(day, n_reviews):
        order = free + [m for m in people if m.pk in busy]
        return {review.pk: order[i % len(order)] for i, review in enumerate(reviews)}
    return {review.pk: member for review, member in zip(reviews, free, strict=False)}


class DoubleBooked(Exception):
    def __init__(self, member: Membership):
        super().__init__(f"{member} already presents a review that day")
        self.member = member


def _refuse_double_booking(day: Day, plan: Plan, changed: dict[int | None, list[Membership]]):
    """Raise DoubleBooked if `plan` books one of the changed reviews' people twice."""
    if doubles_allowed(day, len(plan)):
        return
    for review_pk, members in changed.items():
        for member in members:
            if any(member.pk in pks for pk, pks in plan.items() if pk != review_pk):
                raise DoubleBooked(member)


def assign(
    day: Day,
    assignments: dict[int, list[Membership]],
    *,
    user,
    versions: dict[int, int] | None = None,
) -> None:
    """Set the presenters of several reviews of one day at once.

    The day row is locked for the duration, so two moderators assigning at the
    same moment are serialised: the second sees the first's presenters, and a
    person is never booked twice unless there are more reviews than people.
    `versions` are the reviews' versions the moderator saw: a review edited or
    deleted since raises Conflict, so nobody's assignment is silently replaced.
    A closed day raises closing.DayClosed. Nothing is written unless all succeeds.
    """
    with transaction.atomic():
        day = lock_open_day(day.pk)
        locked = AssignmentReview.objects.filter(day=day).select_for_update(no_key=True)
        reviews = {r.pk: r for r in locked}
        for review_pk, version in (versions or {}).items():
            current = reviews.get(review_pk)
            if current is None or current.version != version:
                raise Conflict(current)
        changed = {pk: list(members) for pk, members in assignments.items() if pk in reviews}
        plan = bookings(day)
        for review_pk, members in changed.items():
            plan[review_pk] = {m.pk for m in members}
        _refuse_double_booking(day, plan, changed)
        for review_pk, members in changed.items():
            review = reviews[review_pk]
            before = history.snapshot(review)
            review.presenters.set(members)
            AssignmentReview.objects.filter(pk=review.pk).update(
                version=review.version + 1, updated_by=user
            )
            history.record(review, Revision.Action.EDITED, user=user, before=before)
        search_index.changed(day.pk)  # presenters and an UPDATE: the day's pages changed


def save_any(kind, form, *, expected_version: int | None, user):
    """Save a valid item form of any kind (the editor's and the API's one way): a review
    through its presenters' double-booking check, the others as services.save_item."""
    if kind.model is AssignmentReview:
        return save_review(form, expected_version=expected_version, user=user)
    return save_item(form, expected_version=expected_version, user=user)


def save_review(form, *, expected_version: int | None, user) -> AssignmentReview:
    """Save a valid ReviewForm under the same lock and rule as `assign`.

    Raises DoubleBooked (nothing saved) when its presenters already present another
    review of the day, services.Conflict for a stale version, closing.DayClosed.
    """
    review = form.instance
    with transaction.atomic():
        day = lock_open_day(review.day_id)
        members = list(form.cleaned_data.get("presenters") or [])
        plan = bookings(day)
        plan[review.pk] = {m.pk for m in members}
        _refuse_double_booking(day, plan, {review.pk: members})
        return save_versioned(form, expected_version=expected_version, user=user)
