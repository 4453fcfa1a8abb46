"""Publishing to one's blog in the browser: connect a blog (a local git smart-HTTP
remote behind a token), publish from the member record, see it published; then the
post is changed in the blog by hand, and publishing again shows both versions."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from sessions.models import Attendance, MemberLog, Membership

from ..factories import PASSWORD, DayFactory, MembershipFactory, UserFactory
from ..gitserver import GitHttpServer, bare_repository
from ..test_blog_publishing import commits, edit_in_blog, show
from .helpers import login, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("local_blog_remotes"),
]

TOKEN = "github_pat_browser_0123456789_sEcReT"


@pytest.mark.parametrize("width", [1280, 390])
def test_connect_publish_and_resolve_a_conflict(width, new_page, page_logs, tmp_path):
    user = UserFactory(username="hana")
    member = MembershipFactory(user=user, display_name="정하나", role=Membership.Role.MEMBER)
    day = DayFactory(team=member.team)
    Attendance.objects.create(day=day, member=member)
    MemberLog.objects.create(day=day, member=member, retrospective="오늘은 그래프를 복습했다.")
    repos = tmp_path / "remote"
    repos.mkdir()
    bare_repository(repos / "blog.git")

    with GitHttpServer(repos, token=TOKEN) as server:
        page = new_page(width)
        login(page, "hana", PASSWORD)

        # Connect the blog in the profile.
        page.goto("/accounts/blog/")
        page.fill("#id_remote_url", server.url("blog.git"))
        page.select_option("#id_credential_kind", "token")
        page.fill("#id_token", TOKEN)
        page.locator("main form button.primary").click()
        expect(page.locator(".message")).to_be_visible()
        expect(page.locator("#id_remote_url")).to_have_value(server.url("blog.git"))
        assert TOKEN not in page.content()
        screenshot(page, "blog-connect")

        # Publish from the member record: the request queues, the run publishes, the
        # status (polled by the page) says so.
        page.goto(f"/teams/{day.team.slug}/days/{day.date}/{member.pk}/")
        status = page.locator("#blog-status")
        status.locator("button.primary").click()
        expect(status.locator(".pill-blog-queued")).to_be_visible()
        call_command("publish_posts", stdout=open("/dev/null", "w"))
        expect(status.locator(".pill-blog-published")).to_be_visible()
        path = status.locator(".blog-target code").nth(2).inner_text()
        assert "오늘은 그래프를 복습했다." in show(repos / "blog.git", path)
        assert commits(repos / "blog.git") == [f"Add {path}"]
        screenshot(page, "blog-published")

        # Changed by hand in the blog: publishing again overwrites nothing.
        edit_in_blog(repos, tmp_path, path, "---\ntitle: 손으로 고친 글\n---\n직접 고쳤다\n")
        status.locator("button.primary").click()
        expect(status.locator(".pill-blog-queued")).to_be_visible()
        call_command("publish_posts", stdout=open("/dev/null", "w"))
        expect(status.locator(".pill-blog-conflict")).to_be_visible()
        status.locator("a.button").click()
        compare = page.locator("#compare")
        expect(compare.locator(".blog-del").first).to_be_visible()
        expect(compare).to_contain_text("직접 고쳤다")
        screenshot(page, "blog-conflict")

        compare.locator("form").first.locator("button").click()  # keep the blog's version
        expect(page.locator(".pill-blog-unchanged")).to_be_visible()
        assert show(repos / "blog.git", path).endswith("직접 고쳤다\n")
        assert TOKEN not in page.content()

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert [p for log in page_logs for p in log.problems()] == []
