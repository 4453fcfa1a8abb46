"""Choosing who presents the day's assignment reviews, fairly, and assigning them safely."""

import datetime

from django.db import transaction
from django.db.models import Count, Max, Q

from .models import AssignmentReview, Attendance, Day, Membership

AWAY = (Attendance.Status.ABSENT, Attendance.Status.EXCUSED)


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


def suggest(day: Day, reviews: list[AssignmentReview]) -> dict[int, Membership]:
    """One presenter per review: at most one review each unless reviews outnumber people."""
    people = ranking(day, eligible(day))
    if not people:
        return {}
    return {review.pk: people[i % len(people)] for i, review in enumerate(reviews)}


class DoubleBooked(Exception):
    def __init__(self, member: Membership):
        super().__init__(f"{member} already presents a review that day")
        self.member = member


def assign(day: Day, assignments: dict[int, list[Membership]], *, user) -> None:
    """Set the presenters of several reviews of one day at once.

    The day row is locked for the duration, so two moderators assigning at the
    same moment are serialised: the second sees the first's presenters, and a
    person is never booked twice unless there are more reviews than people.
    """
    with transaction.atomic():
        day = Day.objects.select_for_update().get(pk=day.pk)
        reviews = {r.pk: r for r in AssignmentReview.objects.filter(day=day).select_for_update()}
        booked: dict[int, int] = {}  # member pk → review pk
        for review in reviews.values():
            if review.pk in assignments:
                continue
            for member_pk in review.presenters.values_list("pk", flat=True):
                booked[member_pk] = review.pk
        allow_doubles = len(reviews) > len(eligible(day))
        for review_pk, members in assignments.items():
            review = reviews.get(review_pk)
            if review is None:
                continue  # deleted meanwhile
            for member in members:
                if member.pk in booked and booked[member.pk] != review_pk and not allow_doubles:
                    raise DoubleBooked(member)
                booked[member.pk] = review_pk
            review.presenters.set(members)
            AssignmentReview.objects.filter(pk=review.pk).update(
                version=review.version + 1, updated_by=user
            )
