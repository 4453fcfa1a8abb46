"""Assigning review presenters: the fair suggestion, the double-booking rule, the views.

The rule is checked through every way presenters are written (accepting a suggestion,
saving a review's form) on whichever database the suite runs on; the real two-thread
race runs where the database has row locks (PostgreSQL).
"""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions import reviewers, search_index
from sessions.closing import DayClosed
from sessions.forms.items import ReviewForm
from sessions.models import AssignmentReview, Attendance, Day, Membership
from sessions.services import Conflict

from .factories import DayFactory, MembershipFactory, ReviewFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


HTMX = {"HTTP_HX_REQUEST": "true"}
START = datetime.date(2024, 3, 4)


def new_team(n_members: int = 7):
    team = TeamFactory()
    members = [
        MembershipFactory(team=team, display_name=f"멤버{i}", rotation_order=i)
        for i in range(n_members)
    ]
    return team, members


def new_day(team, number: int, *, away: dict | None = None) -> Day:
    """Day `number` of the team, everyone present but `away` (member → status)."""
    day = DayFactory(team=team, date=START + datetime.timedelta(days=number - 1), number=number)
    away = away or {}
    Attendance.objects.bulk_create(
        Attendance(day=day, member=m, status=away.get(m, Attendance.Status.PRESENT))
        for m in Membership.objects.participants().filter(team=team)
    )
    return day


def presenters_of(review) -> set:
    return set(AssignmentReview.objects.get(pk=review.pk).presenters.all())


def accept_suggestion(day: Day) -> None:
    open_reviews = [r for r in AssignmentReview.objects.filter(day=day) if not presenters_of(r)]
    proposal = reviewers.suggest(day, open_reviews)
    reviewers.assign(day, {pk: [m] for pk, m in proposal.items()}, user=None)


# --- the suggestion --------------------------------------------------------------------


def test_fewest_presentations_first_then_least_recent():
    team, (a, b, c, d) = new_team(4)
    for number, people in [(1, [a, b]), (2, [a, c]), (3, [b])]:
        ReviewFactory(day=new_day(team, number), presenters=people)
    # Counts: a 2, b 2, c 1, d 0. Last presented: a day 2, b day 3, c day 2.
    day = new_day(team, 4)
    assert reviewers.ranking(day, [a, b, c, d]) == [d, c, a, b]


def test_a_tie_on_count_and_date_goes_by_rotation_order():
    team, (a, b, c) = new_team(3)
    day = new_day(team, 1)
    assert reviewers.ranking(day, [c, a, b]) == [a, b, c]


def test_only_earlier_days_count():
    team, (a, b) = new_team(2)
    later = new_day(team, 5)
    ReviewFactory(day=later, presenters=[a])
    day = new_day(team, 2)
    assert reviewers.ranking(day, [a, b]) == [a, b]  # a's later review is not history yet


def test_absent_and_excused_members_are_never_suggested():
    team, (a, b, c, d) = new_team(4)
    day = new_day(team, 1, away={a: Attendance.Status.ABSENT, b: Attendance.Status.EXCUSED})
    reviews = [ReviewFactory(day=day) for _ in range(2)]
    proposal = reviewers.suggest(day, reviews)
    assert set(proposal.values()) == {c, d}


def test_late_members_are_suggested():
    team, (a,) = new_team(1)
    day = new_day(team, 1, away={a: Attendance.Status.LATE})
    review = ReviewFactory(day=day)
    assert reviewers.suggest(day, [review]) == {review.pk: a}


def test_observers_are_never_suggested():
    team, (a,) = new_team(1)
    MembershipFactory(team=team, role=Membership.Role.OBSERVER, rotation_order=0)
    day = new_day(team, 1)
    reviews = [ReviewFactory(day=day) for _ in range(2)]
    assert set(reviewers.suggest(day, reviews).values()) == {a}


def test_one_review_each_while_there_are_enough_people():
    team, members = new_team(4)
    day = new_day(team, 1)
    reviews = [ReviewFactory(day=day) for _ in range(4)]
    assert sorted(m.pk for m in reviewers.suggest(day, reviews).values()) == sorted(
        m.pk for m in members
    )


def test_more_reviews_than_people_goes_round_again():
    team, (a, b) = new_team(2)
    day = new_day(team, 1)
    reviews = [ReviewFactory(day=day) for _ in range(3)]
    proposal = reviewers.suggest(day, reviews)
    assert Counter(proposal.values()) == Counter({a: 2, b: 1})


def test_people_already_presenting_that_day_are_not_suggested_again():
    team, (a, b, c) = new_team(3)
    day = new_day(team, 1)
    ReviewFactory(day=day, presenters=[a])
    open_review = ReviewFactory(day=day)
    assert reviewers.suggest(day, [open_review]) == {open_review.pk: b}


def test_a_review_left_over_gets_no_proposal_rather_than_a_double_booking():
    """Three reviews for three people, but two of them present the first one together."""
    team, (a, b, c) = new_team(3)
    day = new_day(team, 1)
    ReviewFactory(day=day, presenters=[a, b])
    first, second = ReviewFactory(day=day), ReviewFactory(day=day)
    assert reviewers.suggest(day, [first, second]) == {first.pk: c}


def test_nobody_present_means_no_proposal():
    team, (a,) = new_team(1)
    day = new_day(team, 1, away={a: Attendance.Status.EXCUSED})
    assert reviewers.suggest(day, [ReviewFactory(day=day)]) == {}


# --- the property: accepting the suggestion every day stays fair -------------------------

# Each example runs in a transaction rolled back at its end, so examples do not see
# each other's teams; the function-scoped `db` fixture is safe to share.
property_settings = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def rolled_back(test):
    with transaction.atomic():
        test()
        transaction.set_rollback(True)


@property_settings
@given(reviews_per_day=st.lists(st.integers(0, 4), min_size=20, max_size=20))
def test_accepting_every_suggestion_keeps_counts_within_one(db, reviews_per_day):
    def run():
        team, members = new_team(7)
        for number, n_reviews in enumerate(reviews_per_day, start=1):
            day = new_day(team, number)
            with search_index.deferred():  # one rebuild for the day's reviews
                for _ in range(n_reviews):
                    ReviewFactory(day=day)
            accept_suggestion(day)
            assert all(presenters_of(r) for r in AssignmentReview.objects.filter(day=day))
        counts = Counter(
            AssignmentReview.presenters.through.objects.filter(
                assignmentreview__day__team=team
            ).values_list("membership_id", flat=True)
        )
        per_member = [counts[m.pk] for m in members]
        assert sum(per_member) == sum(reviews_per_day)
        assert max(per_member) - min(per_member) <= 1, per_member

    rolled_back(run)


AWAY_STATUSES = [Attendance.Status.ABSENT, Attendance.Status.EXCUSED]


@property_settings
@given(
    statuses=st.lists(st.sampled_from(list(Attendance.Status)), min_size=7, max_size=7),
    n_reviews=st.integers(0, 9),
    history=st.lists(st.integers(0, 6), max_size=6),
)
def test_absent_or_excused_members_are_never_suggested(db, statuses, n_reviews, history):
    def run():
        team, members = new_team(7)
        for number, presenter in enumerate(history, start=1):
            ReviewFactory(day=new_day(team, number), presenters=[members[presenter]])
        day = new_day(team, len(history) + 1, away=dict(zip(members, statuses, strict=True)))
        reviews = [ReviewFactory(day=day) for _ in range(n_reviews)]
        proposal = reviewers.suggest(day, reviews)
        away = {m for m, s in zip(members, statuses, strict=True) if s in AWAY_STATUSES}
        assert not away & set(proposal.values())
        n_present = 7 - len(away)
        assert len(proposal) == (n_reviews if n_present else 0)
        if n_reviews <= n_present:
            assert len(set(proposal.values())) == len(proposal)  # nobody twice

    rolled_back(run)


# --- the double-booking rule, on every path that writes presenters ------------------------


def test_assign_refuses_someone_who_presents_another_review():
    team, (a, b) = new_team(2)
    day = new_day(team, 1)
    first = ReviewFactory(day=day, presenters=[a])
    second = ReviewFactory(day=day)
    with pytest.raises(reviewers.DoubleBooked) as refused:
        reviewers.assign(day, {second.pk: [a]}, user=None)
    assert refused.value.member == a
    assert presenters_of(second) == set()
    assert presenters_of(first) == {a}


def test_assign_refuses_the_same_person_on_two_reviews_at_once_and_writes_nothing():
    team, (a, b) = new_team(2)
    day = new_day(team, 1)
    first, second = ReviewFactory(day=day), ReviewFactory(day=day)
    with pytest.raises(reviewers.DoubleBooked):
        reviewers.assign(day, {first.pk: [a], second.pk: [a]}, user=None)
    assert presenters_of(first) == presenters_of(second) == set()
    assert AssignmentReview.objects.get(pk=first.pk).version == first.version


def test_assign_allows_doubles_when_reviews_outnumber_people():
    team, (a, b) = new_team(2)
    day = new_day(team, 1)
    reviews = [ReviewFactory(day=day, presenters=[b]), ReviewFactory(day=day)]
    reviews.append(ReviewFactory(day=day))
    reviewers.assign(day, {reviews[1].pk: [a], reviews[2].pk: [a]}, user=None)
    assert presenters_of(reviews[2]) == {a}


def test_moving_someone_between_reviews_is_not_a_double_booking():
    team, (a, b) = new_team(2)
    day = new_day(team, 1)
    first = ReviewFactory(day=day, presenters=[a])
    second = ReviewFactory(day=day)
    reviewers.assign(day, {first.pk: [b], second.pk: [a]}, user=None)
    assert (presenters_of(first), presenters_of(second)) == ({b}, {a})


def test_assign_bumps_each_changed_review_and_records_who():
    team, (a,) = new_team(1)
    user = UserFactory()
    day = new_day(team, 1)
    review = ReviewFactory(day=day, version=3)
    reviewers.assign(day, {review.pk: [a]}, user=user)
    review.refresh_from_db()
    assert (review.version, review.updated_by) == (4, user)


def test_assign_from_a_stale_version_is_a_conflict_and_writes_nothing():
    team, (a, b) = new_team(2)
    day = new_day(team, 1)
    review = ReviewFactory(day=day, version=2)
    with pytest.raises(Conflict):
        reviewers.assign(day, {review.pk: [a]}, user=None, versions={review.pk: 1})
    assert presenters_of(review) == set()


def test_assign_on_a_closed_day_is_refused():
    team, (a,) = new_team(1)
    day = new_day(team, 1)
    review = ReviewFactory(day=day)
    Day.objects.filter(pk=day.pk).update(closed_at=datetime.datetime.now(datetime.UTC))
    with pytest.raises(DayClosed):
        reviewers.assign(day, {review.pk: [a]}, user=None)
    assert presenters_of(review) == set()


def review_form(day, instance, **changes):
    data = {"assignment": instance.assignment or "과제", "topic": "", "notes": "", "version": "0"}
    data |= {"version": str(instance.version)} if instance.pk else {}
    data |= changes
    return ReviewForm(data, team=day.team, instance=instance)


def test_saving_a_review_form_goes_through_the_same_rule():
    team, (a, b) = new_team(2)
    day = new_day(team, 1)
    ReviewFactory(day=day, presenters=[a])
    form = review_form(day, AssignmentReview(day=day), presenters=[str(a.pk)])
    assert form.is_valid(), form.errors
    with pytest.raises(reviewers.DoubleBooked):
        reviewers.save_review(form, expected_version=None, user=a.user)
    assert AssignmentReview.objects.filter(day=day).count() == 1

    form = review_form(day, AssignmentReview(day=day), presenters=[str(b.pk)])
    assert form.is_valid(), form.errors
    saved = reviewers.save_review(form, expected_version=None, user=a.user)
    assert presenters_of(saved) == {b}


def test_a_review_form_may_keep_its_own_presenters():
    team, (a, b) = new_team(2)
    day = new_day(team, 1)
    review = ReviewFactory(day=day, presenters=[a])
    form = review_form(day, review, presenters=[str(a.pk)], topic="새 주제")
    assert form.is_valid(), form.errors
    reviewers.save_review(form, expected_version=review.version, user=a.user)
    assert AssignmentReview.objects.get(pk=review.pk).topic == "새 주제"


# --- the views ------------------------------------------------------------------------


@pytest.fixture
def crew():
    """Team "crew": an admin, the day's moderator (a member), two more members; a day
    with everyone present and two reviews without presenters."""
    team = TeamFactory(slug="crew")
    people = {}
    for i, (key, role) in enumerate(
        [("admin", "admin"), ("moderator", "member"), ("member", "member"), ("other", "member")]
    ):
        user = UserFactory(username=f"crew-{key}")
        people[key] = MembershipFactory(
            team=team, user=user, role=role, display_name=f"크루{i}", rotation_order=i
        )
    day = new_day(team, 1)
    Day.objects.filter(pk=day.pk).update(moderator=people["moderator"])
    day.refresh_from_db()
    reviews = [ReviewFactory(day=day, assignment=f"과제 {i}") for i in (1, 2)]
    return day, people, reviews


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def url(name, day, **kwargs):
    return reverse(f"peer:{name}", kwargs={"team": day.team.slug, "date": day.date, **kwargs})


def test_the_moderator_sees_the_review_controls_and_a_member_does_not(crew):
    day, people, reviews = crew
    page = client_for(people["moderator"]).get(url("day_edit", day)).content.decode()
    assert url("reviews_suggest", day) in page
    assert url("item_create", day, kind="review") in page
    assert url("item_edit", day, kind="review", pk=reviews[0].pk) in page

    page = client_for(people["member"]).get(url("day_edit", day)).content.decode()
    assert url("reviews_suggest", day) not in page
    assert url("item_create", day, kind="review") not in page
    assert url("item_edit", day, kind="review", pk=reviews[0].pk) not in page
    assert url("item_delete", day, kind="review", pk=reviews[0].pk) not in page
    assert url("item_move", day, kind="review", pk=reviews[0].pk) not in page
    assert 'id="review-' in page  # the reviews themselves are there to read
    # Other kinds of item are still everyone's.
    assert url("item_create", day, kind="question") in page


def test_the_review_list_fragment_hides_the_controls_from_members(crew):
    day, people, reviews = crew
    fragment = client_for(people["member"]).get(url("item_list", day, kind="review"))
    assert url("item_edit", day, kind="review", pk=reviews[0].pk) not in fragment.content.decode()
    fragment = client_for(people["admin"]).get(url("item_list", day, kind="review"))
    assert url("item_edit", day, kind="review", pk=reviews[0].pk) in fragment.content.decode()


def test_the_suggestion_proposes_a_presenter_for_each_open_review(crew):
    day, people, reviews = crew
    Attendance.objects.filter(day=day, member=people["admin"]).update(
        status=Attendance.Status.ABSENT
    )
    response = client_for(people["moderator"]).get(url("reviews_suggest", day), **HTMX)
    assert response.status_code == 200
    form = response.context["form"]
    proposed = {r.pk: form[f"review-{r.pk}"].initial for r in reviews}
    # The admin is absent; the next two in rotation order are proposed.
    assert proposed == {reviews[0].pk: people["moderator"].pk, reviews[1].pk: people["member"].pk}
    content = response.content.decode()
    assert f'<option value="{people["moderator"].pk}" selected>' in content
    assert "크루0 (" in content  # the absent admin is marked in the choices


def test_accepting_the_suggestion_assigns_everyone_in_one_click(crew):
    day, people, reviews = crew
    moderator = client_for(people["moderator"])
    form = moderator.get(url("reviews_suggest", day)).context["form"]
    body = {name: field.initial for name, field in form.fields.items() if field.initial}
    response = moderator.post(url("reviews_assign", day), body, **HTMX)
    assert response.status_code == 200
    assert "studylog:list-changed" in response["HX-Trigger"]
    assert presenters_of(reviews[0]) == {people["admin"]}
    assert presenters_of(reviews[1]) == {people["moderator"]}


def test_the_moderator_can_adjust_the_suggestion(crew):
    day, people, reviews = crew
    body = {
        f"review-{reviews[0].pk}": str(people["other"].pk),
        f"version-{reviews[0].pk}": "1",
        f"review-{reviews[1].pk}": "",
        f"version-{reviews[1].pk}": "1",
    }
    response = client_for(people["admin"]).post(url("reviews_assign", day), body)
    assert response.status_code == 200
    assert presenters_of(reviews[0]) == {people["other"]}
    assert presenters_of(reviews[1]) == set()  # left for later


def test_picking_the_same_person_twice_is_refused_beside_the_field(crew):
    day, people, reviews = crew
    body = {
        f"review-{reviews[0].pk}": str(people["other"].pk),
        f"version-{reviews[0].pk}": "1",
        f"review-{reviews[1].pk}": str(people["other"].pk),
        f"version-{reviews[1].pk}": "1",
    }
    response = client_for(people["moderator"]).post(url("reviews_assign", day), body, **HTMX)
    assert response.status_code == 422
    assert response.context["form"].errors == {
        f"review-{reviews[1].pk}": ["크루3 is already picked for another review."]
    }
    content = response.content.decode()
    assert f'<option value="{people["other"].pk}" selected>' in content  # kept as typed
    assert presenters_of(reviews[0]) == presenters_of(reviews[1]) == set()


def test_someone_booked_meanwhile_is_refused_beside_the_field(crew):
    """Another admin gave someone a review after this moderator's suggestion loaded."""
    day, people, reviews = crew
    third = ReviewFactory(day=day, presenters=[people["other"]])
    body = {f"review-{reviews[0].pk}": str(people["other"].pk), f"version-{reviews[0].pk}": "1"}
    response = client_for(people["moderator"]).post(url("reviews_assign", day), body, **HTMX)
    assert response.status_code == 422
    errors = response.context["form"].errors[f"review-{reviews[0].pk}"]
    assert errors == ["크루3 already presents another review this day."]
    assert presenters_of(reviews[0]) == set()
    assert presenters_of(third) == {people["other"]}


def test_a_review_changed_meanwhile_is_a_conflict_with_a_fresh_suggestion(crew):
    day, people, reviews = crew
    reviewers.assign(day, {reviews[0].pk: [people["member"]]}, user=None)  # someone else
    body = {f"review-{reviews[0].pk}": str(people["other"].pk), f"version-{reviews[0].pk}": "1"}
    response = client_for(people["moderator"]).post(url("reviews_assign", day), body, **HTMX)
    assert response.status_code == 409
    assert presenters_of(reviews[0]) == {people["member"]}  # theirs is kept
    assert response.context["changed"]
    assert [r.pk for r in response.context["assigned"]] == [reviews[0].pk]
    assert f"review-{reviews[1].pk}" in response.context["form"].fields


def test_a_review_deleted_meanwhile_is_a_conflict(crew):
    day, people, reviews = crew
    body = {f"review-{reviews[0].pk}": str(people["other"].pk), f"version-{reviews[0].pk}": "1"}
    body |= {f"review-{reviews[1].pk}": str(people["member"].pk), f"version-{reviews[1].pk}": "1"}
    AssignmentReview.objects.filter(pk=reviews[1].pk).delete()
    response = client_for(people["moderator"]).post(url("reviews_assign", day), body)
    assert response.status_code == 409
    assert presenters_of(reviews[0]) == set()


def test_assigning_someone_from_another_team_is_invalid(crew, outsider):
    day, people, reviews = crew
    foreign = outsider.memberships.get()
    body = {f"review-{reviews[0].pk}": str(foreign.pk), f"version-{reviews[0].pk}": "1"}
    response = client_for(people["moderator"]).post(url("reviews_assign", day), body)
    assert response.status_code == 422
    assert presenters_of(reviews[0]) == set()


def test_assign_with_nothing_to_assign_is_a_bad_request(crew):
    day, people, reviews = crew
    response = client_for(people["moderator"]).post(url("reviews_assign", day), {"x": "1"})
    assert response.status_code == 400


def test_cancelling_the_suggestion_gives_back_the_empty_slot(crew):
    day, people, reviews = crew
    response = client_for(people["moderator"]).get(url("reviews_suggest", day) + "?cancel=1")
    assert response.status_code == 200
    assert response.content.decode().startswith('<div id="reviews-suggest"')


def test_the_suggestion_when_every_review_has_a_presenter(crew):
    day, people, reviews = crew
    reviewers.assign(day, {reviews[0].pk: [people["member"]], reviews[1].pk: [people["other"]]},
                     user=None)  # fmt: skip
    response = client_for(people["moderator"]).get(url("reviews_suggest", day))
    assert response.status_code == 200
    assert not response.context["form"].fields
    assert "과제 1" in response.content.decode()  # listed as already assigned


def review_body(presenters, **fields) -> dict:
    return (
        {"assignment": "과제 3", "topic": "", "notes": "", "version": "0"}
        | fields
        | {"presenters": [str(m.pk) for m in presenters]}
    )


def test_the_review_form_refuses_a_double_booking_beside_the_presenters(crew):
    day, people, reviews = crew
    reviewers.assign(day, {reviews[0].pk: [people["other"]]}, user=None)
    moderator = client_for(people["moderator"])
    response = moderator.post(
        url("item_create", day, kind="review"), review_body([people["other"]]), **HTMX
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "presenters": ["크루3 already presents another review this day."]
    }
    content = response.content.decode()
    assert "already presents another review" in content
    assert 'value="과제 3"' in content  # what was typed is kept
    assert AssignmentReview.objects.filter(day=day).count() == 2

    # Editing the other review to add the same person: refused too, nothing saved.
    edit = url("item_edit", day, kind="review", pk=reviews[1].pk)
    response = moderator.post(edit, review_body([people["other"]], version="1"), **HTMX)
    assert response.status_code == 422
    assert presenters_of(reviews[1]) == set()
    assert AssignmentReview.objects.get(pk=reviews[1].pk).version == 1


def test_the_review_form_still_uses_the_version_check(crew):
    """Two edits of the same review: the second gets both versions (409)."""
    day, people, reviews = crew
    edit = url("item_edit", day, kind="review", pk=reviews[0].pk)
    first = client_for(people["moderator"]).post(
        edit, review_body([people["member"]], version="1", assignment="먼저"), **HTMX
    )
    assert first.status_code == 200
    second = client_for(people["admin"]).post(
        edit, review_body([people["other"]], version="1", assignment="나중"), **HTMX
    )
    assert second.status_code == 409
    assert second.context["current"].assignment == "먼저"
    assert presenters_of(reviews[0]) == {people["member"]}


# --- a real race (PostgreSQL) ------------------------------------------------------------


def _race(jobs) -> list:
    """Run each job in its own thread and connection, all released at once; return
    what each raised (None for success)."""
    start = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        try:
            start.wait()
            job()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs row locks: SQLite's shared in-memory test database fails concurrent "
    "writers with 'table is locked' instead of making them wait (in production SQLite "
    "serialises writers with BEGIN IMMEDIATE); run with DATABASE_URL=postgres://…",
)
@pytest.mark.parametrize("second_path", ["assign", "form"])
def test_two_moderators_assigning_the_same_person_at_once(monkeypatch, second_path):
    """Both read the day's presenters, then both write. Without the day lock both would
    see nobody booked and both succeed; with it, the second waits, sees the first's
    booking and is refused."""
    team, (a, b, c) = new_team(3)
    day = new_day(team, 1)
    first, second = ReviewFactory(day=day), ReviewFactory(day=day)
    slow = reviewers.eligible
    editor = b.user

    def eligible_slowly(day):  # called between reading the bookings and writing
        result = slow(day)
        threading.Event().wait(0.3)
        return result

    monkeypatch.setattr(reviewers, "eligible", eligible_slowly)

    def by_assign():
        reviewers.assign(day, {first.pk: [a]}, user=None)

    def by_form():
        instance = AssignmentReview.objects.get(pk=second.pk)
        form = review_form(day, instance, presenters=[str(a.pk)])
        assert form.is_valid(), form.errors
        reviewers.save_review(form, expected_version=instance.version, user=editor)

    def by_assign_too():
        reviewers.assign(day, {second.pk: [a]}, user=None)

    outcomes = _race([by_assign, by_form if second_path == "form" else by_assign_too])
    assert sorted(type(o).__name__ for o in outcomes) == ["DoubleBooked", "NoneType"]
    booked = [r for r in (first, second) if a in presenters_of(r)]
    assert len(booked) == 1
