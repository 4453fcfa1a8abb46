"""A member who joins after the day was made: the session editor offers a row for them
without writing anything, and the session's save records their attendance."""

import datetime

import pytest
from playwright.sync_api import expect

from sessions.models import Attendance, Day, Membership

from ..factories import PASSWORD, DayFactory, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_newcomer_gets_a_row_when_the_session_is_saved(new_page, width):
    team = TeamFactory(slug="newcomers", name="새내기팀")
    admin = UserFactory(username="lead")
    MembershipFactory(team=team, user=admin, display_name="김리더", role=Membership.Role.ADMIN)
    day = DayFactory(team=team, date=datetime.date(2024, 3, 4), number=1)
    Attendance.objects.create(day=day, member=team.memberships.get())
    MembershipFactory(team=team, user=None, display_name="박새내기")

    page = new_page(width, name=f"newcomer-{width}")
    login(page, "lead", PASSWORD)
    page.goto(f"/teams/newcomers/days/{day.date}/edit/")
    page.locator("#session-panel .panel-head button").click()
    panel = page.locator("#session-panel[data-editing]")
    row = panel.locator(".att-row", has=page.locator(".att-name", has_text="박새내기"))
    expect(row).to_be_visible()
    assert Attendance.objects.filter(day=day).count() == 1  # opening the editor wrote nothing
    row.locator("select").select_option("late")
    row.locator("input[name$=-note]").fill("처음 온 날")
    screenshot(page, "session-newcomer")
    panel.locator("button.primary").click()

    saved = page.locator("#session-panel:not([data-editing])")
    expect(saved.locator("li.att-late")).to_contain_text("박새내기")
    newcomer = Attendance.objects.get(day=day, member__display_name="박새내기")
    assert (newcomer.status, newcomer.note) == ("late", "처음 온 날")
    assert Day.objects.get(pk=day.pk).version == 2
