"""학습 내용 notes in the browser: a member writes notes with a link next to their study
links, sees the live preview, saves, and finds them under their badges on the day's
record; an admin writes the log of a member who has no account."""

import pytest
from playwright.sync_api import expect

from sessions.models import Attendance, MemberLog, Membership

from ..factories import PASSWORD, DayFactory, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTES = "선택과제 2번 추가 공부\n\n- [해시 정리 노트](https://example.com/hash-notes) 다시 읽기"


def _day_with(*members):
    day = DayFactory(team=members[0].team)
    Attendance.objects.bulk_create(Attendance(day=day, member=m) for m in members)
    return day


def _no_problems(page, width, page_logs):
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sideways
    assert [p for log in page_logs for p in log.problems()] == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_member_writes_notes_and_finds_them_under_their_badges(width, new_page, page_logs):
    user = UserFactory(username="hana")
    member = MembershipFactory(user=user, display_name="정하나", role=Membership.Role.MEMBER)
    day = _day_with(member)
    base = f"/teams/{day.team.slug}/days/{day.date}/"

    page = new_page(width)
    login(page, "hana", PASSWORD)
    page.goto(base + "edit/")
    panel = page.locator("#log-panel")
    panel.locator(".panel-head button").click()
    form = page.locator("#log-panel.is-editing form")
    expect(form).to_be_visible()
    form.locator("input[name='links-0-title']").fill("1강 해시")
    form.locator("input[name='links-0-url']").fill("https://example.com/lecture-1")
    notes = form.locator("textarea[name='study_notes']")
    notes.fill(NOTES)
    # markdownx's live preview, rendered by the team's preview endpoint.
    preview = form.locator(".markdownx-preview").first
    expect(preview.locator("a[href='https://example.com/hash-notes']")).to_have_text(
        "해시 정리 노트"
    )
    notes.scroll_into_view_if_needed()
    screenshot(page, "study-notes-editor")
    form.locator("button.primary").click()
    expect(page.locator("#log-panel:not(.is-editing)")).to_contain_text("선택과제 2번 추가 공부")
    log = MemberLog.objects.get(day=day, member=member)
    assert log.study_notes == NOTES
    assert [link.title for link in log.links.all()] == ["1강 해시"]

    page.goto(base)
    entry = page.locator("#study .study-list > li", has_text="정하나")
    badge = entry.locator(".badge", has_text="1강 해시")
    written = entry.locator(".study-notes")
    expect(badge).to_be_visible()
    expect(written.locator("a[href='https://example.com/hash-notes']")).to_be_visible()
    assert written.bounding_box()["y"] > badge.bounding_box()["y"]  # under the badges
    screenshot(page, "study-notes-record")
    _no_problems(page, width, page_logs)


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_writes_a_name_only_members_log(width, new_page, page_logs):
    team = TeamFactory(name="알파팀")
    user = UserFactory(username="boss")
    admin = MembershipFactory(
        team=team, user=user, display_name="김관리", role=Membership.Role.ADMIN
    )
    name_only = MembershipFactory(team=team, user=None, display_name="정이름")
    day = _day_with(admin, name_only)
    base = f"/teams/{team.slug}/days/{day.date}/"

    page = new_page(width)
    login(page, "boss", PASSWORD)
    page.goto(base + "edit/")
    listed = page.locator(".name-only-logs")
    expect(listed).to_contain_text("정이름")
    listed.locator(f"#member-log-{name_only.pk} button").click()
    form = page.locator(f"#member-log-{name_only.pk}.is-editing form")
    expect(form).to_be_visible()
    form.locator("input[name='links-0-title']").fill("2강 트리")
    form.locator("input[name='links-0-url']").fill("https://example.com/lecture-2")
    form.locator("textarea[name='study_notes']").fill("카톡으로 받은 학습 메모")
    form.locator("textarea[name='retrospective']").fill("정이름님이 보내 준 회고")
    expect(form.locator(".markdownx-preview").first).to_contain_text("카톡으로 받은 학습 메모")
    form.scroll_into_view_if_needed()
    screenshot(page, "name-only-log-editor")
    form.locator("button.primary").click()
    saved = page.locator(f"#member-log-{name_only.pk}:not(.is-editing)")
    expect(saved).to_contain_text("카톡으로 받은 학습 메모")
    expect(saved).to_contain_text("정이름님이 보내 준 회고")
    log = MemberLog.objects.get(day=day, member=name_only)
    assert log.updated_by == user
    screenshot(page, "name-only-log-saved")

    page.goto(base)
    entry = page.locator("#study .study-list > li", has_text="정이름")
    expect(entry.locator(".study-notes")).to_have_text("카톡으로 받은 학습 메모")
    page.goto(base + "history/")
    expect(page.locator(".revision").first.locator(".revision-head")).to_contain_text("정이름")
    expect(page.locator(".revision").first.locator(".revision-meta")).to_contain_text("김관리")
    screenshot(page, "name-only-log-history")
    _no_problems(page, width, page_logs)
