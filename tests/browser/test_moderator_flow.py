"""The day's moderator at work: assigning review presenters, closing the day, the rotation.

The team and its history are made through the ORM; everything a person does (logging
in, suggesting and accepting presenters, closing the day, writing their notes) goes
through the browser. Assertions read ids, data attributes and the names typed into
the database, not the UI's translated words.
"""

import datetime
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from sessions import schedule
from sessions.models import AssignmentReview, Attendance, Day, MemberLog, Membership, Team
from sessions.schedule import local_today

from ..factories import (
    PASSWORD,
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewFactory,
    TeamFactory,
    UserFactory,
)
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "review-duty"
SUGGEST = 'button[hx-get*="/reviews/suggest/"]'
CLOSE_FORM = 'form[action$="/close/"]'

# username → (display name, role, past presentations); the dict order is the rotation order.
MODERATOR = "doyun"  # the day's moderator, a plain member of the team
ABSENT = "yujin"  # marked absent today; never presented, and first in rotation and 가나다 order
PLAIN = "chaewon"  # neither moderator nor admin
CAST = {
    ABSENT: ("강유진", Membership.Role.MEMBER, 0),
    MODERATOR: ("남도윤", Membership.Role.MEMBER, 1),
    "seoa": ("문서아", Membership.Role.MEMBER, 0),
    "jiho": ("배지호", Membership.Role.ADMIN, 2),
    "harin": ("송하린", Membership.Role.MEMBER, 0),
    "taemin": ("오태민", Membership.Role.MEMBER, 1),
    PLAIN: ("윤채원", Membership.Role.MEMBER, 1),
}
# Present today and never presented before: the two the suggestion must propose.
FEWEST = {"seoa", "harin"}
REVIEWS = [("필수과제 4번", "Seq2Seq with Attention"), ("선택과제 2번", "BLEU 점수 구현")]


@dataclass
class Cast:
    team: Team
    day: Day
    members: dict[str, Membership]  # by username
    reviews: list[AssignmentReview]

    def edit_url(self) -> str:
        return f"/teams/{self.team.slug}/days/{self.day.date.isoformat()}/edit/"


@pytest.fixture
def cast(db) -> Cast:
    """Seven members with accounts, two earlier days of reviews, and today's open day
    (moderated by a plain member, one member absent) with two reviews nobody presents yet."""
    team = TeamFactory(name="어텐션 리뷰팀", slug=SLUG, rotation=Team.Rotation.CUSTOM)
    members = {
        username: MembershipFactory(
            team=team,
            user=UserFactory(username=username),
            display_name=name,
            role=role,
            rotation_order=order,
        )
        for order, (username, (name, role, _past)) in enumerate(CAST.items(), start=1)
    }
    today = local_today(team)

    # Earlier days: each past presentation is a review of its own, one presenter each.
    past = [u for u, (_n, _r, count) in CAST.items() for _ in range(count)]
    earlier = [
        DayFactory(team=team, date=today - datetime.timedelta(days=7 * weeks), number=weeks)
        for weeks in (2, 1)
    ]
    for index, username in enumerate(past):
        ReviewFactory(day=earlier[index % 2], presenters=[members[username]])

    day = DayFactory(team=team, date=today, number=3, moderator=members[MODERATOR])
    Attendance.objects.bulk_create(
        Attendance(
            day=day,
            member=member,
            status=Attendance.Status.ABSENT if username == ABSENT else Attendance.Status.PRESENT,
        )
        for username, member in members.items()
    )
    reviews = [
        ReviewFactory(day=day, assignment=assignment, topic=topic, notes="", position=n)
        for n, (assignment, topic) in enumerate(REVIEWS, start=1)
    ]
    return Cast(team=team, day=day, members=members, reviews=reviews)


def open_editor(page: Page, cast: Cast) -> None:
    response = page.goto(cast.edit_url())
    assert response.ok, f"GET {cast.edit_url()} answered {response.status}"
    expect(page.locator("[data-day-editor]")).to_be_visible()


def review_card(page: Page, review: AssignmentReview):
    return page.locator(f"[data-list=review] > article.item[data-item-id='{review.pk}']")


def test_moderator_assigns_reviewers_with_suggest_and_member_sees_the_duty(cast, new_page):
    by_pk = {str(m.pk): username for username, m in cast.members.items()}
    moderator = new_page(1280, name="moderator")
    login(moderator, MODERATOR, PASSWORD)
    open_editor(moderator, cast)
    for review in cast.reviews:
        expect(review_card(moderator, review)).to_be_visible()
        expect(review_card(moderator, review).locator(".people")).to_have_count(0)

    moderator.locator(f"#panel-review {SUGGEST}").click()
    plan = moderator.locator("#reviews-suggest[data-editing]")
    expect(plan).to_be_visible()
    selects = [plan.locator(f"select[name=review-{review.pk}]") for review in cast.reviews]
    proposed = []
    for select in selects:
        expect(select).to_be_visible()
        expect(select).not_to_have_value("")  # every review gets a proposal
        proposed.append(by_pk.get(select.input_value()))
    assert ABSENT not in proposed, f"the absent member was proposed: {proposed}"
    assert set(proposed) == FEWEST, (
        f"proposed {[CAST[u][0] if u else u for u in proposed]}, expected the members "
        f"with the fewest past presentations: {sorted(CAST[u][0] for u in FEWEST)}"
    )
    # The absent member can still be picked by hand, just not proposed.
    expect(selects[0].locator(f"option[value='{cast.members[ABSENT].pk}']")).to_have_count(1)

    plan.locator("button.primary[type=submit]").click()
    expect(moderator.locator("#reviews-suggest.plan-slot .notice-done")).to_be_visible()
    expect(moderator.locator("#reviews-suggest[data-editing]")).to_have_count(0)
    for review, username in zip(cast.reviews, proposed, strict=True):
        people = review_card(moderator, review).locator(".people")
        expect(people).to_have_text(f"({CAST[username][0]})")
    for review, username in zip(cast.reviews, proposed, strict=True):
        review.refresh_from_db()
        assert list(review.presenters.all()) == [cast.members[username]]

    # A presenter, in a browser of their own, finds the duty on their home page.
    presenter_username = proposed[0]
    presenter = new_page(1280, name="presenter")
    login(presenter, presenter_username, PASSWORD)
    presenter.goto("/")
    card = presenter.locator(
        "ul.team-cards > li.card", has=presenter.locator(f'a.card-link[href$="/teams/{SLUG}/"]')
    )
    expect(card).to_be_visible()
    duty = card.locator(f'a.day-link[href$="/teams/{SLUG}/days/{cast.day.date.isoformat()}/"]')
    expect(duty).to_have_count(1)
    assignment, topic = REVIEWS[0]
    expect(duty.locator(".day-title")).to_have_text(f"{assignment} · {topic}")
    expect(duty.locator(".day-num")).to_have_text(f"Day{cast.day.number}")
    expect(duty.locator(".day-date .pill")).to_have_count(1)  # marked as today
    # The other review is someone else's duty.
    expect(card.locator(".day-title", has_text=REVIEWS[1][0])).to_have_count(0)

    # A plain member sees the reviews but none of the moderator's controls.
    member = new_page(1280, name="plain-member")
    login(member, PLAIN, PASSWORD)
    open_editor(member, cast)
    for review, username in zip(cast.reviews, proposed, strict=True):
        expect(review_card(member, review).locator(".people")).to_have_text(
            f"({CAST[username][0]})"
        )
    expect(member.locator(SUGGEST)).to_have_count(0)
    expect(member.locator("#add-review")).to_have_count(0)
    expect(member.locator("#panel-review .item-actions")).to_have_count(0)
    expect(member.locator(CLOSE_FORM)).to_have_count(0)
    expect(member.locator("#add-question button.add")).to_be_visible()  # still writes the rest
    suggest_url = f"/teams/{SLUG}/days/{cast.day.date.isoformat()}/reviews/suggest/"
    assert member.request.get(suggest_url).status == 403


def test_closing_the_day_makes_it_read_only(cast, new_page):
    day = cast.day
    question = QuestionFactory(day=day, question="Beam search의 폭은 어떻게 정하나요?")
    ReviewFactory(
        day=day,
        assignment="필수과제 3번",
        topic="",
        notes="",
        position=9,
        presenters=[cast.members["seoa"]],
    )

    moderator = new_page(1280, name="moderator")
    login(moderator, MODERATOR, PASSWORD)
    open_editor(moderator, cast)
    # Open, the moderator has every control: so their absence later means something.
    expect(moderator.locator("#day-status .notice-closed")).to_have_count(0)
    expect(moderator.locator(".item-actions")).to_have_count(len(cast.reviews) + 2)
    expect(moderator.locator("button.add")).not_to_have_count(0)
    expect(moderator.locator(SUGGEST)).to_have_count(1)
    expect(moderator.locator("#session-panel .panel-head button")).to_have_count(1)

    moderator.once("dialog", lambda dialog: dialog.accept())
    moderator.locator(f"{CLOSE_FORM} button[type=submit]").click()
    banner = moderator.locator("#day-status .notice-closed")
    expect(banner).to_be_visible()
    expect(banner.locator(".closed-note")).to_contain_text(CAST[MODERATOR][0])
    expect(banner.locator(".closed-note time[datetime]")).to_have_count(1)
    day.refresh_from_db()
    assert day.is_closed
    assert day.closed_by.username == MODERATOR

    # Read-only: no item, add, suggest, close or session controls; the items are still shown.
    expect(moderator.locator("[data-list=question] > article.item")).to_have_count(1)
    expect(
        moderator.locator(f"[data-list=question] > article.item[data-item-id='{question.pk}']")
    ).to_contain_text(question.question)
    expect(moderator.locator("[data-list=review] > article.item")).to_have_count(3)
    expect(moderator.locator(".item-actions")).to_have_count(0)
    expect(moderator.locator("button.add")).to_have_count(0)
    expect(moderator.locator(".add-slot")).to_have_count(0)
    expect(moderator.locator(SUGGEST)).to_have_count(0)
    expect(moderator.locator(CLOSE_FORM)).to_have_count(0)
    expect(moderator.locator("#session-panel .panel-head button")).to_have_count(0)
    expect(moderator.locator('form[action$="/reopen/"]')).to_have_count(0)  # not an admin

    # A member's own notes still save on the closed day.
    retro = "닫힌 날에도 회고는 **남길 수** 있다."
    member = new_page(1280, name="plain-member")
    login(member, PLAIN, PASSWORD)
    open_editor(member, cast)
    expect(member.locator("#day-status .notice-closed")).to_be_visible()
    expect(member.locator(".item-actions")).to_have_count(0)
    member.locator("#log-panel .panel-head button").click()
    panel = member.locator("#log-panel[data-editing]")
    expect(panel).to_be_visible()
    panel.locator("textarea[name=retrospective]").fill(retro)
    panel.locator("button.primary").click()
    saved = member.locator("#log-panel:not([data-editing])")
    expect(saved.locator(".md strong")).to_have_text("남길 수")
    expect(member.locator(".refusal")).to_have_count(0)
    log = MemberLog.objects.get(day=day, member=cast.members[PLAIN])
    assert log.retrospective == retro


# --- the schedule --------------------------------------------------------------------

SCHEDULE_SLUG = "rotation"
WEEKDAYS = "024"  # Monday, Wednesday, Friday
# Typed in rotation order unlike 가나다 order; the observer and the former member take no turn.
ROTATION = ["한지민", "김가람", "최라희", "박나래", "이다온"]
NOT_IN_ROTATION = {  # name → (role, active)
    "서관찰": (Membership.Role.OBSERVER, True),
    "정퇴장": (Membership.Role.MEMBER, False),
}


def rotation_team() -> Team:
    """A Monday-Wednesday-Friday team starting today: ROTATION (rot1, the first, is its
    admin), an observer and a former member."""
    team = TeamFactory(
        name="순번팀", slug=SCHEDULE_SLUG, session_weekdays=WEEKDAYS, rotation=Team.Rotation.NAME
    )
    team.starts_on = local_today(team)
    team.save(update_fields=["starts_on"])
    for order, name in enumerate(ROTATION, start=1):
        role = Membership.Role.ADMIN if order == 1 else Membership.Role.MEMBER
        user = UserFactory(username=f"rot{order}")
        MembershipFactory(team=team, user=user, display_name=name, role=role, rotation_order=order)
    for name, (role, active) in NOT_IN_ROTATION.items():
        MembershipFactory(team=team, user=None, display_name=name, role=role, is_active=active)
    return team


def test_schedule_page_shows_upcoming_moderators(new_page):
    team = rotation_team()
    today = team.starts_on

    in_order = sorted(ROTATION)  # 가나다 order is code-point order for these NFC names
    assert in_order == ["김가람", "박나래", "이다온", "최라희", "한지민"]
    weekdays = {int(c) for c in WEEKDAYS}
    dates = []
    date = today
    while len(dates) < 10:
        if date.weekday() in weekdays:
            dates.append(date)
        date += datetime.timedelta(days=1)

    for width in (1280, 390):
        page = new_page(width, name=f"schedule-{width}")
        login(page, "rot3", PASSWORD)  # a plain member
        response = page.goto(f"/teams/{SCHEDULE_SLUG}/schedule/")
        assert response.ok, f"schedule answered {response.status}"
        rows = page.locator("section[aria-labelledby=upcoming-title] li.day-row")
        expect(rows.first).to_be_visible()
        assert rows.count() >= len(dates), rows.count()
        seen = []
        for index, expected in enumerate(dates):
            row = rows.nth(index)
            expect(row.locator(".day-date")).to_contain_text(f"{expected.month}/{expected.day}")
            expect(row.locator(".day-num")).to_have_text(f"Day{index + 1}")
            seen.append(
                row.locator(".day-title").evaluate("el => el.firstChild.textContent.trim()")
            )
        expected_names = [in_order[i % len(in_order)] for i in range(len(dates))]
        assert seen == expected_names
        assert not set(seen) & set(NOT_IN_ROTATION)
        # The viewer's own dates are marked.
        mine = rows.filter(has_text=ROTATION[2]).locator(".day-title .pill")
        expect(mine.first).to_be_visible()
        screenshot(page, "schedule")


def test_a_swap_made_on_the_schedule_names_whose_turn_each_date_stays(new_page):
    team = rotation_team()
    first, _, third = schedule.next_session_dates(team, team.starts_on, 3)
    before = {s.date: s.moderator.display_name for s in schedule.schedule(team, first, third)}

    for width in (1280, 390):
        page = new_page(width, name=f"schedule-swap-{width}")
        login(page, "rot1", PASSWORD)  # the admin
        page.goto(f"/teams/{SCHEDULE_SLUG}/schedule/")
        if width == 1280:
            page.locator("#id_swap-first").fill(first.isoformat())
            page.locator("#id_swap-second").fill(third.isoformat())
            page.locator("#id_swap-second").press("Enter")
            expect(page.locator(".messages")).to_be_visible()
        rows = page.locator("section[aria-labelledby=upcoming-title] li.day-row")
        # Each date shows who moderates it now, and whose turn it stays.
        expect(rows.nth(0).locator(".day-title")).to_contain_text(before[third])
        expect(rows.nth(0).locator(".day-title")).to_contain_text(f"{before[first]} 대신")
        expect(rows.nth(2).locator(".day-title")).to_contain_text(f"{before[third]} 대신")
        screenshot(page, "schedule-swap")
