"""Query counts of the pages people open most: a fixed bound, whatever a team has written.

Each page gets one bound, checked twice: on a small day (one item of each kind, a
few days) and after the team has written a lot more (30 questions, 10 suggestions,
reviews and sections, 7 member logs with 3 links each, 60 days, 8 more members).
If the second check fails, a page is running a query per row: an N+1.
"""

import datetime

import pytest
from django.urls import reverse

from sessions.models import Membership

from .factories import (
    AttendanceFactory,
    DayFactory,
    MemberLogFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    StudyLinkFactory,
    SuggestionFactory,
)

pytestmark = pytest.mark.django_db

# Every logged-in page starts with 3 queries: the session, the user, and the requester's
# membership with its team (access.get_team_for). The bounds below are that plus what
# each page needs, measured on the small dataset, plus 2-4 of headroom so an extra
# query that does not grow with the data does not fail the suite.
BOUNDS = {
    # 3 + the day (team, moderator joined) + 10 prefetches (attendance, suggestions,
    # reviews, presenters, questions, asked_by, answered_by, sections, logs, links)
    # + previous and next day + the carried-over follow-ups (2).
    "day": 20,
    # The day record without its carried-over list + the member whose record it is.
    "member_day": 21,
    # 3 + the day and its 10 prefetches + one version list per kind for the live state
    # + the requester's own log and its links.
    "day_edit": 24,
    # 3 + the page count + one page of days with their counts annotated.
    "archive": 10,
    # 3 + the recent days with their counts.
    "team": 10,
    # 3 + skipped dates, recorded days and assignments over the shown range, the rotation's
    # members, the anchor day.
    "schedule": 15,
    # The session, the user and the memberships, then per team the schedule of the next
    # session days and the member's coming reviews = 9 measured for one team.
    "home": 12,
    # 3 + the day + one version list per kind.
    "day_state": 10,
}


def page_url(name: str, day, member: Membership) -> str:
    if name == "home":
        return reverse("peer:home")
    if name in ("archive", "team", "schedule"):
        return reverse(f"peer:{name}", kwargs={"team": day.team.slug})
    kwargs = {"team": day.team.slug, "date": day.date}
    if name == "member_day":
        kwargs["member"] = member.pk
    return reverse(f"peer:{name}", kwargs=kwargs)


def fill_day(day, *, questions, suggestions, logs, links_per_log, extra_members):
    team = day.team
    for _ in range(extra_members):
        AttendanceFactory(day=day, member=MembershipFactory(team=team))
    members = list(team.memberships.all())
    for i in range(questions):
        QuestionFactory(
            day=day,
            asked_by=members[i % len(members)],
            answered_by=members[(i + 1) % len(members)],
        )
    for i in range(suggestions):
        SuggestionFactory(day=day)
        ReviewFactory(day=day, presenters=members[i % len(members) :][:2])
        SectionFactory(day=day, heading=f"토의 {i}")
    # The requester (the member fixture) writes a log too, so the edit page's own
    # panel has links to show in both datasets.
    me = team.memberships.get(user__username="alpha-member")
    writers = [me, *(m for m in members if m != me)]
    for member in writers[:logs]:
        log = MemberLogFactory(day=day, member=member)
        for _ in range(links_per_log):
            StudyLinkFactory(log=log)


def add_days(team, count: int, members):
    start = datetime.date(2023, 1, 2)
    for i in range(count):
        DayFactory(
            team=team,
            date=start + datetime.timedelta(days=i),
            number=100 + i,
            moderator=members[i % len(members)],
        )


@pytest.fixture
def small(day):
    fill_day(day, questions=1, suggestions=1, logs=2, links_per_log=1, extra_members=0)
    add_days(day.team, 2, list(day.team.memberships.all()))
    return day


@pytest.fixture
def large(day):
    fill_day(day, questions=30, suggestions=10, logs=7, links_per_log=3, extra_members=8)
    add_days(day.team, 60, list(day.team.memberships.all()))
    return day


PAGES = ["day", "member_day", "day_edit", "archive", "team", "day_state", "schedule", "home"]


@pytest.mark.parametrize("page", PAGES)
def test_small_dataset(page, small, as_member, team_member, django_assert_max_num_queries):
    url = page_url(page, small, team_member.memberships.get())
    with django_assert_max_num_queries(BOUNDS[page]):
        response = as_member.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_the_same_bound_holds_on_a_large_dataset(
    page, large, as_member, team_member, django_assert_max_num_queries
):
    url = page_url(page, large, team_member.memberships.get())
    with django_assert_max_num_queries(BOUNDS[page]):
        response = as_member.get(url)
    assert response.status_code == 200


def test_the_large_pages_really_show_the_large_dataset(large, as_member, team_member):
    """The bounds above mean something only if the pages render all those rows."""
    member = team_member.memberships.get()
    record = as_member.get(page_url("day", large, member)).content.decode()
    assert record.count('class="question"') == 30
    assert record.count('class="suggestion"') == 10
    assert record.count('class="review"') == 10
    assert record.count('id="section-') == 10
    assert record.count('class="retro"') == 7
    assert record.count('class="badge ') == 21

    edit = as_member.get(page_url("day_edit", large, member)).content.decode()
    assert edit.count('id="question-') == 30

    archive = as_member.get(page_url("archive", large, member))
    assert sum(len(week["days"]) for week in archive.context["weeks"]) == 20
    assert archive.context["page"].paginator.count == 61

    state = as_member.get(page_url("day_state", large, member)).json()
    assert len(state["lists"]["question"].split(",")) == 30
