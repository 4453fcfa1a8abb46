"""The editor's first-week frictions (issue 16): people named by their display names,
questions as markdown, presenters only from participants, why a member cannot add
reviews, reopening from the record, a closed day's editor, and long text counted and
refused with the text kept, never cut."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions.models import AssignmentReview, Day, Membership

from .factories import MemberLogFactory, MembershipFactory, QuestionFactory, ReviewFactory
from .helpers import HTMX, membership_of, question_body, url

pytestmark = pytest.mark.django_db


def review_body(*presenters, **fields) -> dict:
    return {
        "assignment": "과제 1",
        "topic": "",
        "notes": "",
        "presenters": [str(m.pk) for m in presenters],
    } | fields


def account_menu(content: str) -> str:
    return re.search(r'<details class="menu">\s*<summary>(.*?)</summary>', content, re.S)[1]


def close(day) -> None:
    Day.objects.filter(pk=day.pk).update(closed_at=timezone.now())


# --- 1. display names -----------------------------------------------------------------


def test_the_header_names_the_member_by_their_display_name_on_team_pages(day, as_member):
    content = as_member.get(url("day", day)).content.decode()
    assert account_menu(content) == "이멤버"
    assert "alpha-member" not in content


def test_off_team_pages_the_header_shows_the_accounts_name_else_its_username(team_member):
    client = Client()
    client.force_login(team_member)
    team_member.first_name, team_member.last_name = "요한", "홍"
    team_member.save()
    assert account_menu(client.get(reverse("peer:home")).content.decode()) == "요한 홍"

    bare = get_user_model().objects.create_user("hongyohan", password="x-1234-비밀")
    client.force_login(bare)
    assert account_menu(client.get(reverse("peer:home")).content.decode()) == "hongyohan"


def test_the_conflict_box_names_who_saved_by_their_display_name(day, as_member, team_admin):
    question = QuestionFactory(day=day, version=2, question="관리자가 저장", updated_by=team_admin)
    response = as_member.post(
        url("item_edit", day, kind="question", pk=question.pk),
        question_body(question="내 것", version="1"),
        **HTMX,
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "김관리" in content
    assert "alpha-admin" not in content


def test_the_conflict_box_costs_one_query_for_the_name(
    day, as_member, team_admin, django_assert_max_num_queries
):
    question = QuestionFactory(day=day, version=2, updated_by=team_admin)
    body = question_body(question="내 것", version="1")
    # Session, user, team, membership, the day, the item (twice), its version check,
    # the form's member choices and the saver's name: well under this bound.
    with django_assert_max_num_queries(25):
        response = as_member.post(
            url("item_edit", day, kind="question", pk=question.pk), body, **HTMX
        )
    assert response.status_code == 409


# --- 2. questions are markdown ----------------------------------------------------------


def test_question_text_is_rendered_as_sanitized_markdown_everywhere(day, as_member):
    question = QuestionFactory(
        day=day, question="**굵게** 묻기 <script>alert(1)</script>", needs_follow_up=True
    )
    pages = {
        "record": as_member.get(url("day", day)),
        "editor": as_member.get(url("day_edit", day)),
        "card": as_member.get(url("item", day, kind="question", pk=question.pk), **HTMX),
        "follow-ups": as_member.get(reverse("peer:follow_ups", args=[day.team.slug])),
    }
    for name, response in pages.items():
        content = response.content.decode()
        assert response.status_code == 200, name
        assert "<strong>굵게</strong> 묻기" in content, name
        assert "<script>alert" not in content, name
        assert "**굵게**" not in content, name


# --- 3. presenters are participants -----------------------------------------------------


@pytest.fixture
def inactive(team):
    return MembershipFactory(team=team, display_name="정휴면", is_active=False)


def test_the_presenter_checkboxes_offer_only_participants(day, as_admin, inactive):
    content = as_admin.get(url("item_create", day, kind="review"), **HTMX).content.decode()
    assert "김관리" in content and "이멤버" in content
    assert "박참관" not in content  # the observer
    assert "정휴면" not in content  # inactive


@pytest.mark.parametrize("who", ["observer", "inactive"])
def test_a_posted_observer_or_inactive_presenter_is_refused_beside_the_field(
    day, as_admin, team_observer, inactive, who, english
):
    person = membership_of(team_observer) if who == "observer" else inactive
    response = as_admin.post(url("item_create", day, kind="review"), review_body(person), **HTMX)
    assert response.status_code == 422
    content = response.content.decode()
    assert "Only active members who take part in the sessions can present" in content
    assert 'value="과제 1"' in content  # what was typed is kept
    assert not AssignmentReview.objects.filter(day=day).exists()


def test_a_review_keeps_a_presenter_who_has_since_left(day, as_admin, team_member):
    member = membership_of(team_member)
    review = ReviewFactory(day=day, presenters=[member])
    Membership.objects.filter(pk=member.pk).update(is_active=False)
    response = as_admin.post(
        url("item_edit", day, kind="review", pk=review.pk),
        review_body(member, assignment="고친 과제", version=str(review.version)),
        **HTMX,
    )
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.assignment == "고친 과제"
    assert list(review.presenters.all()) == [member]


# --- 4. why a member cannot add reviews -------------------------------------------------


def test_a_member_is_told_who_sets_the_reviews(day, as_member, as_admin, team_admin, english):
    Day.objects.filter(pk=day.pk).update(moderator=membership_of(team_admin))
    member_page = as_member.get(url("day_edit", day)).content.decode()
    assert "Assignment reviews are set by the day's moderator (김관리) or an admin." in (
        member_page
    )
    admin_page = as_admin.get(url("day_edit", day)).content.decode()
    assert "Assignment reviews are set by" not in admin_page  # they have the add button


def test_without_a_moderator_the_member_is_told_to_choose_one(day, as_member, english):
    content = as_member.get(url("day_edit", day)).content.decode()
    assert "This day has no moderator yet" in content


# --- 5. reopening from the record, a closed day's editor --------------------------------


def test_an_admin_can_reopen_a_closed_day_from_its_record(day, as_admin, english):
    close(day)
    content = as_admin.get(url("day", day)).content.decode()
    assert f'action="{url("day_reopen", day)}"' in content
    response = as_admin.post(url("day_reopen", day), {"back": "record"})
    assert response.status_code == 302
    assert response["Location"] == url("day", day)
    day.refresh_from_db()
    assert not day.is_closed


def test_the_editors_reopen_still_lands_in_the_editor(day, as_admin):
    close(day)
    response = as_admin.post(url("day_reopen", day))
    assert response["Location"] == url("day_edit", day)


def test_a_member_sees_no_reopen_button_but_is_told_who_can(day, as_member, english):
    close(day)
    content = as_member.get(url("day", day)).content.decode()
    assert url("day_reopen", day) not in content
    assert "Only an admin can reopen it." in content
    assert as_member.post(url("day_reopen", day), {"back": "record"}).status_code == 403
    day.refresh_from_db()
    assert day.is_closed


def test_reopening_from_the_record_is_refused_to_everyone_else(day, anon, as_outsider, as_observer):
    close(day)
    target = url("day_reopen", day)
    response = anon.post(target, {"back": "record"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert as_outsider.post(target, {"back": "record"}).status_code == 404
    assert as_observer.post(target, {"back": "record"}).status_code == 403
    day.refresh_from_db()
    assert day.is_closed


def test_a_closed_days_editor_says_it_is_read_only_not_live(day, as_member, english):
    open_page = as_member.get(url("day_edit", day)).content.decode()
    assert "Live: others' changes appear here" in open_page
    close(day)
    closed_page = as_member.get(url("day_edit", day)).content.decode()
    assert "Live: others' changes appear here" not in closed_page
    assert "Closed: this day is read-only" in closed_page


# --- 6. long text: counted, refused with the text kept, never cut -----------------------


def test_an_overlong_answer_is_refused_beside_the_field_and_kept_whole(day, as_member, english):
    question = QuestionFactory(day=day, answer="짧은 답")
    answer = "가" * 25_000
    response = as_member.post(
        url("item_edit", day, kind="question", pk=question.pk),
        question_body(question=question.question, answer=answer, version=str(question.version)),
        **HTMX,
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "This is 25000 characters long; at most 10000 fit. Nothing was cut" in content
    assert answer in content  # the whole text is back in the field
    question.refresh_from_db()
    assert question.answer == "짧은 답"


def test_an_overlong_one_line_field_is_refused_too(day, as_admin, english):
    response = as_admin.post(
        url("item_create", day, kind="review"), review_body(assignment="과" * 200), **HTMX
    )
    assert response.status_code == 422
    assert "This is 200 characters long; at most 120 fit." in response.content.decode()
    assert not AssignmentReview.objects.filter(day=day).exists()


def test_no_field_cuts_a_paste_each_limited_one_is_counted(day, as_admin, team_admin):
    MemberLogFactory(day=day, member=membership_of(team_admin))
    forms = [
        as_admin.get(url("item_create", day, kind=kind), **HTMX).content.decode()
        for kind in ("suggestion", "review", "question", "action", "section")
    ]
    forms.append(as_admin.get(url("log_edit", day), **HTMX).content.decode())
    forms.append(as_admin.get(url("session_edit", day), **HTMX).content.decode())
    for content in forms:
        assert "maxlength" not in content.replace("data-maxlength", "")
    joined = "\n".join(forms)
    assert re.search(
        r'<textarea[^>]*name="answer"[^>]*data-maxlength="10000"', joined
    ) or re.search(r'<textarea[^>]*data-maxlength="10000"[^>]*name="answer"', joined)
    assert 'data-maxlength="120"' in joined  # the review's assignment, one line


def test_the_counter_script_is_on_every_page(anon):
    content = anon.get(reverse("login")).content.decode()
    assert "js/counter.js" in content
    assert "data-over-text=" in content


# --- 7. the jump to one's own log -------------------------------------------------------


def test_the_editor_links_to_my_log_from_its_top(day, as_member):
    content = as_member.get(url("day_edit", day)).content.decode()
    head = content[
        content.index('class="editor-head"') : content.index(
            "</header>", content.index('class="editor-head"')
        )
    ]
    assert 'href="#log-panel"' in head
    assert 'id="log-panel"' in content


def test_the_jump_link_always_has_its_target(day, as_admin):
    content = as_admin.get(url("day_edit", day)).content.decode()
    assert ('href="#log-panel"' in content) == ('id="log-panel"' in content)
