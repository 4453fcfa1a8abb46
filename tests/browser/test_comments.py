"""Comments in the browser, at 1280 and 390 px: a member comments on a question and names
the admin; the admin finds the mention on their home page, follows it to the comment and
answers; an empty comment is refused beside its field; the author deletes their own."""

import datetime

import pytest
from playwright.sync_api import expect

from sessions.models import Comment, Membership, Mention

from ..factories import (
    PASSWORD,
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    TeamFactory,
    UserFactory,
)
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATE = datetime.date(2024, 3, 4)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_comment_a_mention_and_a_reply(new_page, width):
    team = TeamFactory(name="댓글팀", slug="talk")
    for username, name, role in [
        ("lead", "김리더", Membership.Role.ADMIN),
        ("ara", "박아라", Membership.Role.MEMBER),
        ("mentor", "윤멘토", Membership.Role.OBSERVER),
    ]:
        MembershipFactory(
            team=team, user=UserFactory(username=username), display_name=name, role=role
        )
    day = DayFactory(team=team, date=DATE, number=3)
    question = QuestionFactory(day=day, question="배치 정규화는 어디에 두나요?")
    record = f"/teams/talk/days/{DATE}/"

    ara = new_page(width)
    login(ara, "ara", PASSWORD)
    ara.goto(record)
    thread = ara.locator("#questions .comments")
    thread.locator("summary").click()
    thread.locator("textarea").fill("@김리더 님, 활성화 함수 **앞**인지 뒤인지 확인 부탁드려요")
    thread.get_by_role("button", name="남기기").click()
    comment = Comment.objects.get()
    expect(ara).to_have_url(f"http://{ara.url.split('/')[2]}{record}#comment-{comment.pk}")
    posted = ara.locator(f"#comment-{comment.pk}")
    expect(posted.locator(".comment-body strong")).to_have_text("앞")
    assert (comment.target_kind, comment.target_id) == ("question", question.pk)

    # An empty comment on the day: refused beside the field, nothing saved.
    ara.locator("#comments .comment-form button").click()
    expect(ara.locator(".field-errors")).to_contain_text("내용을 입력해 주세요")
    assert Comment.objects.count() == 1
    ara.goto(record)

    lead = new_page(width)
    login(lead, "lead", PASSWORD)
    lead.goto("/")
    mention = lead.locator(".my-mentions")
    expect(mention).to_contain_text("활성화 함수")
    screenshot(lead, "comments-home")
    mention.locator("button").first.click()
    expect(lead.locator(f"#comment-{comment.pk}")).to_be_visible()
    assert Mention.objects.get().seen_at is not None
    reply = lead.locator(f"#comment-{comment.pk}").locator("xpath=..").locator(".comment-add-reply")
    reply.locator("summary").click()
    reply.locator("textarea").fill("활성화 함수 **앞**이 보통이에요. 논문 3.2절 참고!")
    reply.get_by_role("button", name="답글").click()
    answer = Comment.objects.get(parent=comment)
    expect(lead.locator(f"#comment-{answer.pk} .comment-body")).to_contain_text("논문 3.2절")
    expect(lead.locator("#questions .comment-replies")).to_contain_text("김리더")
    lead.locator(f"#comment-{comment.pk}").scroll_into_view_if_needed()
    screenshot(lead, "comments-record")

    # The author deletes their own comment; the reply keeps its place under a marker.
    ara.goto(record)
    ara.once("dialog", lambda dialog: dialog.accept())
    ara.locator(f"#comment-{comment.pk}").get_by_role("button", name="삭제").click()
    expect(ara.locator(f"#comment-{comment.pk}")).to_contain_text("삭제된 댓글입니다")
    expect(ara.locator(f"#comment-{answer.pk}")).to_contain_text("논문 3.2절")
    # The history lists the comments, the deleted one's text kept from no one but the
    # admin; an admin hides the reply and the author still reads it, marked hidden.
    lead.goto(record)
    lead.locator(f"#comment-{answer.pk}").get_by_role("button", name="숨기기").click()
    expect(lead.locator(f"#comment-{answer.pk} .pill")).to_have_text("숨김")
    ara.goto(record)
    expect(ara.locator(f"#comment-{answer.pk}")).to_contain_text("관리자가 숨긴 댓글입니다")
    lead.goto(f"{record}history/")
    expect(lead.locator(".revisions")).to_contain_text("댓글: 활성화 함수")
    screenshot(lead, "comments-history")
