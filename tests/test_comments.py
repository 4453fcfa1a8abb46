"""Comments on a day and its items (sessions/comments.py, views/comments.py): threads one
level deep, sanitized markdown, @mentions to the home page, edit and delete by the
author, hiding by an admin, and their place in history and search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions import comments
from sessions.models import Comment, Day, Membership, Mention, Revision
from sessions.search import search
from sessions.search.criteria import Filters

from .factories import DayFactory, MembershipFactory, QuestionFactory, TeamFactory

pytestmark = pytest.mark.django_db


def record_url(day) -> str:
    return reverse("peer:day", args=["alpha", day.date])


def create_url(day) -> str:
    return reverse("peer:comment_create", args=["alpha", day.date])


def url(name: str, comment: Comment) -> str:
    return reverse(f"peer:{name}", args=["alpha", comment.day.date, comment.pk])


def member(name: str) -> Membership:
    return Membership.objects.get(team__slug="alpha", display_name=name)


def say(day, who: str, body: str, *, target=("", None), parent=None) -> Comment:
    return comments.post(
        day=day, author=member(who), body=body, target=target, parent=parent, user=None
    )


def between(html: str, start: str, end: str) -> str:
    at = html.index(start)
    return html[at : html.index(end, at)]


# Posting --------------------------------------------------------------------------------


def test_a_comment_on_a_question_shows_under_it_in_sanitized_markdown(day, as_member):
    question = QuestionFactory(day=day, question="왜 Adam인가요?")
    body = "좋은 질문! **학습률** 참고 <script>alert(1)</script> [x](javascript:alert(1))"

    response = as_member.post(create_url(day), {"body": body, "target": f"question:{question.pk}"})

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{record_url(day)}#comment-{comment.pk}"
    assert (comment.target_kind, comment.target_id, comment.author) == (
        "question",
        question.pk,
        member("이멤버"),
    )
    html = as_member.get(record_url(day)).content.decode()
    item = between(html, "왜 Adam인가요?", 'id="comments"')  # its item, before the day's
    assert f'id="comment-{comment.pk}"' in item
    assert "<strong>학습률</strong>" in item
    assert "<script>" not in html and "javascript:" not in html


def test_a_comment_on_the_day_and_a_reply_to_it(day, as_admin, as_observer):
    first = say(day, "이멤버", "오늘 세션 좋았어요")

    # The observer (the mentor) may comment too.
    response = as_observer.post(create_url(day), {"body": "수고했어요", "parent": first.pk})

    reply = Comment.objects.get(parent=first)
    assert response.status_code == 302 and reply.author == member("박참관")
    assert reply.target == ""
    html = as_admin.get(record_url(day)).content.decode()
    thread = between(html, 'id="comments"', "</section>")
    assert thread.index("오늘 세션 좋았어요") < thread.index("수고했어요")
    assert 'class="comment-replies"' in thread


def test_a_reply_lands_in_its_parents_thread_whatever_target_is_posted(day, as_member):
    question = QuestionFactory(day=day)
    parent = say(day, "김관리", "질문에 대한 의견", target=("question", question.pk))

    as_member.post(create_url(day), {"body": "답글", "parent": parent.pk, "target": ""})

    assert Comment.objects.get(parent=parent).target == f"question:{question.pk}"


def test_comments_are_welcome_on_a_closed_day(day, as_member):
    Day.objects.filter(pk=day.pk).update(closed_at=timezone.now())

    response = as_member.post(create_url(day), {"body": "지난 답에 덧붙여요"})

    assert response.status_code == 302 and Comment.objects.count() == 1


# Bad input: refused beside the field, text kept, nothing saved ---------------------------


@pytest.mark.parametrize(
    "body, error",
    [
        ("", "Write something to post."),
        ("  \n\t ", "Write something to post."),
        ("가" * 5001, "This is 5001 characters long; at most 5000 fit."),
    ],
)
def test_a_bad_comment_is_refused_with_the_text_kept(day, as_member, english, body, error):
    response = as_member.post(create_url(day), {"body": body})

    assert response.status_code == 422
    html = response.content.decode()
    field = between(html, 'class="field field-textarea has-error"', "</div>\n</div>")
    assert error in field
    if body.strip():
        assert body in html
    assert not Comment.objects.exists()


def test_a_comment_on_an_item_deleted_meanwhile_is_kept_for_the_day(day, as_member, english):
    question = QuestionFactory(day=day)
    target = f"question:{question.pk}"
    question.delete()

    response = as_member.post(create_url(day), {"body": "늦은 의견", "target": target})

    assert response.status_code == 422
    html = response.content.decode()
    assert "The item this comment was on is no longer in this day." in html
    assert "늦은 의견" in html
    assert 'name="target"' in html and target not in html  # posting again: on the day
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "target", ["question:abc", "nothing:1", "question:99999999999999999999", "question:"]
)
def test_a_forged_target_is_refused(day, as_member, target):
    response = as_member.post(create_url(day), {"body": "의견", "target": target})
    assert response.status_code == 422 and not Comment.objects.exists()


def test_another_days_item_or_comment_is_not_a_target(day, team, as_member):
    other = Day.objects.create(team=team, date=day.date.replace(day=5), number=2)
    elsewhere = QuestionFactory(day=other)
    foreign = say(other, "김관리", "다른 날 댓글")

    on_item = as_member.post(create_url(day), {"body": "x", "target": f"question:{elsewhere.pk}"})
    on_reply = as_member.post(create_url(day), {"body": "x", "parent": foreign.pk})
    reply = say(other, "이멤버", "답글", parent=foreign)
    nested = as_member.post(
        reverse("peer:comment_create", args=["alpha", other.date]),
        {"body": "x", "parent": reply.pk},
    )

    assert (on_item.status_code, on_reply.status_code, nested.status_code) == (422, 422, 422)
    assert Comment.objects.count() == 2  # the two made above, nothing more


# Editing, deleting, hiding ------------------------------------------------------------------


def test_the_author_edits_a_comment_and_its_mentions_follow(day, as_member):
    comment = say(day, "이멤버", "@김관리 확인 부탁해요")
    assert list(comment.mentions.values_list("member__display_name", flat=True)) == ["김관리"]

    form = as_member.get(url("comment_edit", comment))
    response = as_member.post(url("comment_edit", comment), {"body": "@박참관 확인 부탁해요"})

    assert form.status_code == 200 and "@김관리 확인 부탁해요" in form.content.decode()
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "@박참관 확인 부탁해요" and comment.edited_at is not None
    assert list(comment.mentions.values_list("member__display_name", flat=True)) == ["박참관"]
    edit = Revision.objects.get(kind="comment", action=Revision.Action.EDITED)
    assert edit.before == {"body": "@김관리 확인 부탁해요", "hidden": False}


def test_an_empty_edit_is_refused_and_changes_nothing(day, as_member):
    comment = say(day, "이멤버", "원래 글")
    response = as_member.post(url("comment_edit", comment), {"body": ""})
    assert response.status_code == 422
    comment.refresh_from_db()
    assert comment.body == "원래 글" and comment.edited_at is None


def test_deleting_a_comment_with_replies_leaves_a_marker_until_they_go(day, as_member, as_admin):
    parent = say(day, "이멤버", "지울 댓글 @김관리")
    reply = say(day, "김관리", "답글", parent=parent)

    as_member.post(url("comment_delete", parent))

    parent.refresh_from_db()
    assert parent.is_deleted and parent.body == "" and not parent.mentions.exists()
    html = as_admin.get(record_url(day)).content.decode()
    assert "This comment was deleted." in html or "삭제된 댓글입니다." in html
    assert "지울 댓글" not in between(html, 'id="comments"', "</section>")

    as_admin.post(url("comment_delete", reply))
    assert not Comment.objects.exists()  # the marker went with its last reply


def test_deleting_a_comment_without_replies_removes_it(day, as_member):
    comment = say(day, "이멤버", "곧 지울 글")
    response = as_member.post(url("comment_delete", comment), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert not Comment.objects.exists()
    assert Revision.objects.filter(kind="comment", action="deleted").exists()


def test_a_hidden_comment_is_shown_to_its_author_and_admins_only(
    day, team_member, as_admin, as_member, as_observer
):
    comment = say(day, "이멤버", "부적절한 비밀 내용")
    as_admin.post(url("comment_hide", comment), {"hidden": "1"})

    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_by == member("김관리")
    assert "부적절한 비밀 내용" in as_admin.get(record_url(day)).content.decode()
    assert "부적절한 비밀 내용" in as_member.get(record_url(day)).content.decode()
    observer_html = as_observer.get(record_url(day)).content.decode()
    assert "부적절한 비밀 내용" not in observer_html
    # Out of search, and out of the history of those who may not read it.
    observer = member("박참관")
    assert search(day.team, observer, "비밀").days == []
    history = as_observer.get(reverse("peer:day_history", args=["alpha", day.date]))
    assert "부적절한 비밀 내용" not in history.content.decode()
    assert (
        "부적절한 비밀 내용"
        in as_admin.get(reverse("peer:day_history", args=["alpha", day.date])).content.decode()
    )

    as_admin.post(url("comment_hide", comment), {"hidden": "0"})
    assert "부적절한 비밀 내용" in as_observer.get(record_url(day)).content.decode()
    actions = list(
        Revision.objects.filter(kind="comment").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["created", "hidden", "unhidden"]


# Mentions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, names",
    [
        ("@김민수 확인해 주세요", ["김민수"]),
        ("@김민수님 확인해 주세요", ["김민수"]),  # a particle right after the name
        ("@김민 그리고 @김민수", ["김민", "김민수"]),  # the longest name that fits
        ("@Alex and @Alexis", ["Alex"]),  # not inside a longer Latin word
        ("메일은 kim@김민수.com", []),  # an @ inside a word is not a mention
        ("@@김민수 @없는사람", []),
        ("@김민수 @김민수 두 번", ["김민수"]),
    ],
)
def test_mentions_are_read_from_the_text(team, text, names):
    people = [
        MembershipFactory(team=team, display_name=name, user=None)
        for name in ("김민수", "김민", "Alex")
    ]
    assert [m.display_name for m in comments.mentioned(text, people)] == names


def test_a_mention_lands_on_the_home_page_until_opened(day, as_member, team_member):
    comment = say(day, "김관리", "@이멤버 발표 자료 부탁해요")
    say(day, "이멤버", "@이멤버 내 이름은 알리지 않는다")  # one's own name tells nobody
    hidden = say(day, "김관리", "@이멤버 숨길 말")
    comments.set_hidden(hidden, hidden=True, by=member("김관리"), user=None)

    home = as_member.get(reverse("peer:home")).content.decode()
    assert "발표 자료 부탁해요" in home
    assert "알리지 않는다" not in home and "숨길 말" not in home

    response = as_member.post(reverse("peer:comment", args=["alpha", comment.pk]))
    assert response["Location"] == f"{record_url(day)}#comment-{comment.pk}"
    assert Mention.objects.get(comment=comment).seen_at is not None
    assert "발표 자료 부탁해요" not in as_member.get(reverse("peer:home")).content.decode()


def test_following_a_comments_link_marks_nothing(day, as_member):
    comment = say(day, "김관리", "@이멤버 링크로 온 경우")
    response = as_member.get(reverse("peer:comment", args=["alpha", comment.pk]))
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert Mention.objects.get(comment=comment).seen_at is None


def test_marking_all_mentions_read(day, as_member):
    for n in range(3):
        say(day, "김관리", f"@이멤버 {n}번 멘션")
    as_member.post(reverse("peer:mentions_seen", args=["alpha"]))
    assert not Mention.objects.filter(seen_at=None).exists()


def test_the_home_page_reads_mentions_in_one_query(
    day, as_member, team_member, django_assert_max_num_queries
):
    def opened() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_member.get(reverse("peer:home")).status_code == 200
        return len(queries)

    say(day, "김관리", "@이멤버 하나")
    few = opened()
    for n in range(20):
        say(day, "김관리", f"@이멤버 {n}")
    assert opened() <= few


# History and search ----------------------------------------------------------------------


def test_comments_are_in_the_history_and_cannot_be_restored(day, as_member):
    comment = say(day, "이멤버", "기록에 남는 댓글")
    rev = Revision.objects.get(kind="comment")

    page = as_member.get(reverse("peer:day_history", args=["alpha", day.date])).content.decode()
    restore = reverse("peer:revision_restore", args=["alpha", day.date, rev.pk])

    assert "기록에 남는 댓글" in page
    assert restore not in page
    assert as_member.post(restore).status_code == 403
    assert Comment.objects.get().pk == comment.pk


def test_comments_are_searchable_by_the_team(day, as_member):
    say(day, "김관리", "그래디언트 클리핑 자료 공유합니다")
    me = member("이멤버")

    everything = search(day.team, me, "클리핑")
    only_comments = search(day.team, me, "클리핑", filters=Filters(kind="comment"))
    only_questions = search(day.team, me, "클리핑", filters=Filters(kind="question"))

    assert [r.day for r in everything.days] == [day]
    (hit,) = only_comments.days[0].hits
    assert hit.label.endswith("· 김관리")
    assert only_questions.days == []
    page = as_member.get(reverse("peer:search", args=["alpha"]), {"q": "클리핑"})
    assert "그래디언트" in page.content.decode()


def test_a_deleted_comment_leaves_search(day):
    comment = say(day, "김관리", "곧 사라질 단어 오로라")
    comments.delete(comment, user=None)
    assert search(day.team, member("이멤버"), "오로라").days == []


# What the review found: deleted text in history, orphan threads, races ------------------


def test_a_deleted_or_hidden_comments_text_leaves_the_history_of_others(
    day, as_member, as_observer, as_admin
):
    history_url = reverse("peer:day_history", args=["alpha", day.date])
    said = say(day, "이멤버", "지워질 속마음")
    hidden = say(day, "이멤버", "숨겨질 속마음")
    comments.set_hidden(hidden, hidden=True, by=member("김관리"), user=None)
    comments.delete(said, user=None)
    comments.delete(hidden, user=None)  # gone from the table: nothing left to ask

    observer_page = as_observer.get(history_url).content.decode()
    assert "속마음" not in observer_page
    assert "삭제되었거나 숨겨진 댓글" in observer_page
    assert "지워질 속마음" in as_admin.get(history_url).content.decode()


def test_a_reply_in_the_thread_of_a_deleted_item_goes_in_at_once(day, as_member, as_admin):
    question = QuestionFactory(day=day, question="곧 지울 질문")
    target = f"question:{question.pk}"
    parent = say(day, "김관리", "질문에 단 댓글", target=("question", question.pk))
    question.delete()

    # The reply form of the orphan thread, as the page posts it: with its gone target.
    response = as_member.post(
        create_url(day), {"body": "늦은 답글", "parent": parent.pk, "target": target}
    )
    assert response.status_code == 302
    assert Comment.objects.get(parent=parent).target == target


def test_an_orphan_thread_offers_no_new_comment(day, as_member):
    question = QuestionFactory(day=day)
    target = f"question:{question.pk}"
    say(day, "김관리", "질문에 단 댓글", target=("question", question.pk))
    question.delete()
    html = as_member.get(record_url(day)).content.decode()
    orphan = between(html, "comment-orphan", "</section>")
    assert f'name="target" value="{target}"' in orphan  # in its reply form
    assert orphan.count('class="comment-form"') == orphan.count('name="parent"') == 1


def test_editing_or_hiding_a_comment_deleted_meanwhile_is_404(day, as_member, as_admin):
    comment = say(day, "이멤버", "다른 탭에서 지운 글")
    stale_edit = url("comment_edit", comment)
    stale_hide = url("comment_hide", comment)
    Comment.objects.filter(pk=comment.pk).delete()

    assert as_member.post(stale_edit, {"body": "고친 글"}).status_code == 404
    assert as_admin.post(stale_hide, {"hidden": "1"}).status_code == 404
    assert not Comment.objects.exists()


def test_a_reply_to_a_comment_deleted_while_it_was_sent_is_refused_with_its_text(day):
    parent = say(day, "김관리", "곧 지워질 댓글")
    stale = Comment.objects.get(pk=parent.pk)
    comments.delete(parent, user=None)
    with pytest.raises(comments.Gone):
        comments.post(
            day=day,
            author=member("이멤버"),
            body="답글",
            target=("", None),
            parent=stale,
            user=None,
        )
    assert not Comment.objects.exists()


def test_each_team_card_lists_its_own_mentions(day, team, team_member, as_member):
    other = TeamFactory(name="둘째팀", slug="second")
    Membership.objects.create(team=other, user=team_member, display_name="이멤버")
    Membership.objects.create(team=other, display_name="박둘째")
    other_day = DayFactory(team=other, date=day.date, number=1)
    for n in range(comments.HOME_MENTIONS + 3):
        say(day, "김관리", f"@이멤버 알파 {n}")
    comments.post(
        day=other_day,
        author=other.memberships.get(display_name="박둘째"),
        body="@이멤버 둘째팀 소식",
        target=("", None),
        user=None,
    )

    home = as_member.get(reverse("peer:home")).content.decode()
    assert "둘째팀 소식" in home
    assert home.count("알파 ") == comments.HOME_MENTIONS
    assert f'<span class="count">{comments.HOME_MENTIONS + 3}</span>' in home


def test_the_comment_controls_speak_the_readers_language(day, as_member, settings):
    """The record keeps the team's language (it is the blog post's); the comments around
    it are the reader's page."""
    say(day, "김관리", "영어로 보는 사람")
    as_member.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = as_member.get(record_url(day)).content.decode()
    assert "질문내용" in html or "피어세션" in html  # the record: Korean
    comments_part = between(html, 'id="comments"', "</section>")
    assert ">Comments</h2>" in comments_part and "Reply" in comments_part
    assert "답글" not in comments_part


def test_the_history_names_a_comment_as_it_reads(day, as_member):
    say(day, "이멤버", "**학습률**을 [여기](https://example.com)서 보세요")
    page = as_member.get(reverse("peer:day_history", args=["alpha", day.date])).content.decode()
    assert "댓글: 학습률을 여기서 보세요" in page


def test_a_refused_comment_on_an_item_says_which_item(day, as_member):
    question = QuestionFactory(day=day, question="**배치 정규화**는 어디에 두나요?")
    response = as_member.post(create_url(day), {"body": "", "target": f"question:{question.pk}"})
    assert response.status_code == 422
    assert "배치 정규화는 어디에 두나요?" in response.content.decode()
