"""A day typed with the wrong year: the new-day page asks before saving it."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from sessions import schedule
from sessions.models import Day, Membership

from ..factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_far_date_is_confirmed_before_the_day_is_made(new_page, width):
    team = TeamFactory(name="트랜스포머 스터디", slug="attn", course="BoostCourse")
    user = UserFactory(username="minsu")
    MembershipFactory(team=team, user=user, display_name="김민수", role=Membership.Role.ADMIN)
    today = schedule.local_today(team)
    wrong = today.replace(year=today.year + 2)  # the year picker went one too far, twice

    page = new_page(width)
    login(page, "minsu", PASSWORD)
    page.goto(f"/teams/{team.slug}/days/new/")
    page.fill("#id_date", wrong.isoformat())
    page.fill("#id_title", "어텐션 복습")
    create = page.locator("form.form-card button[type=submit]")
    create.click()

    error = page.locator("#id_date_error")
    expect(error).to_contain_text(wrong.isoformat())
    confirm = page.locator("input[name=date_confirm]")
    expect(confirm).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("어텐션 복습")
    assert not Day.objects.exists()
    DOCS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / f"day-far-date-{width}.png"), full_page=True)

    confirm.check()
    create.click()
    page.wait_for_url(f"**/days/{wrong.isoformat()}/edit/")
    assert Day.objects.get().date == wrong
