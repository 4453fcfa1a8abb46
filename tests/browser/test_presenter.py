"""The presenter's view in real browsers: keys move through the agenda, the timer warns
when a part's time is up, and the moderator's moves carry a member's screen; shared at
1280×720 and on a 390 px phone."""

import pytest
from playwright.sync_api import expect

from sessions.models import Attendance, Day, Membership, TemplateVersion

from ..factories import (
    PASSWORD,
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewFactory,
    SuggestionFactory,
    TeamFactory,
    UserFactory,
)
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def presented_day():
    team = TeamFactory(name="발표팀", slug="show")
    people = {}
    for username, name, role in [
        ("mod", "박모더", Membership.Role.MEMBER),
        ("ara", "김아라", Membership.Role.MEMBER),
    ]:
        user = UserFactory(username=username)
        people[username] = MembershipFactory(team=team, user=user, role=role, display_name=name)
    day = DayFactory(team=team, moderator=people["mod"], title="Day7 피어세션")
    Attendance.objects.bulk_create(Attendance(day=day, member=m) for m in people.values())
    version = team.day_templates.get().versions.get()
    TemplateVersion.objects.filter(pk=version.pk).update(minutes_review=1)
    Day.objects.filter(pk=day.pk).update(template_version=version)
    SuggestionFactory(day=day, proposal="리뷰는 **10분** 안에 끝내기")
    review = ReviewFactory(day=day, assignment="필수과제 3", topic="ViT", notes="")
    review.presenters.set([people["ara"]])
    QuestionFactory(day=day, question="Attention의 scale은 왜 √d 인가요?", asked_by=people["ara"])
    return day


def open_present(page, day):
    page.goto(f"/teams/{day.team.slug}/days/{day.date.isoformat()}/present/")
    expect(page.locator("[data-slide]:not([hidden]) h1")).to_have_text(day.display_title)


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)])
def test_keys_move_through_the_agenda_and_the_timer_warns_when_time_is_up(new_page, size):
    day = presented_day()
    page = new_page(size[0])
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login(page, "ara", PASSWORD)
    page.clock.install()
    open_present(page, day)
    expect(page.locator(".slide-agenda li")).to_have_count(3)
    screenshot(page, "present-opening")

    page.keyboard.press("ArrowRight")
    expect(page.locator("[data-counter]")).to_have_text("2 / 4")
    page.keyboard.press("ArrowRight")
    review = page.locator("[data-slide]:not([hidden])")
    expect(review.locator("h1")).to_contain_text("필수과제 3")
    expect(review).to_contain_text("김아라")
    expect(review).to_contain_text("이전 모델 대비 개선점")  # the built-in outline
    timer = page.locator("[data-timer]")
    expect(timer).to_contain_text("1:00")
    page.clock.run_for(61_000)
    expect(timer).to_have_class("present-timer is-up")
    expect(timer).to_contain_text("시간이 다 됐습니다")
    screenshot(page, "present-review")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("[data-counter]")).to_have_text("2 / 4")
    expect(timer).not_to_have_class("present-timer is-up")


def test_the_moderator_moves_a_members_screen(new_page):
    day = presented_day()
    moderator, member = new_page(1280, name="moderator"), new_page(390, name="member")
    login(moderator, "mod", PASSWORD)
    login(member, "ara", PASSWORD)
    open_present(moderator, day)
    open_present(member, day)
    expect(moderator.locator(".present-lead")).to_be_visible()
    expect(moderator.locator("[data-follow]")).to_have_count(0)  # the leader follows nobody
    expect(member.locator("[data-follow]")).to_have_attribute("aria-pressed", "true")

    moderator.keyboard.press("ArrowRight")
    moderator.keyboard.press("ArrowRight")
    moderator.keyboard.press("ArrowRight")
    expect(member.locator("[data-counter]")).to_have_text("4 / 4", timeout=5_000)
    expect(member.locator("[data-slide]:not([hidden])")).to_contain_text("√d")
    screenshot(member, "present-following")

    # A member who looks back stops following until they ask to again.
    member.keyboard.press("ArrowLeft")
    expect(member.locator("[data-follow]")).to_have_attribute("aria-pressed", "false")
    moderator.keyboard.press("ArrowLeft")
    member.wait_for_timeout(2_000)
    expect(member.locator("[data-counter]")).to_have_text("3 / 4")
    member.locator("[data-follow]").click()
    expect(member.locator("[data-counter]")).to_have_text("3 / 4")
    moderator.keyboard.press("ArrowLeft")
    expect(member.locator("[data-counter]")).to_have_text("2 / 4", timeout=5_000)


def test_with_the_live_layer_a_follower_moves_without_asking(live_page):
    """Served over ASGI, the member's page hears the moves on its socket: here it may not
    ask for the position at all (its polls are cut off), and still follows."""
    day = presented_day()
    moderator, member = live_page(1280, name="moderator"), live_page(390, name="member")
    login(moderator, "mod", PASSWORD)
    login(member, "ara", PASSWORD)
    asked = []

    def refuse(route):
        asked.append(route.request.method)
        route.abort()

    member.route("**/present/position/", refuse)
    open_present(moderator, day)
    open_present(member, day)

    moderator.keyboard.press("ArrowRight")
    moderator.keyboard.press("ArrowRight")
    expect(member.locator("[data-counter]")).to_have_text("3 / 4", timeout=5_000)
    moderator.keyboard.press("ArrowLeft")
    expect(member.locator("[data-counter]")).to_have_text("2 / 4", timeout=5_000)
    assert set(asked) == {"GET"}  # it did ask (on opening), and got nothing: the socket carried it
