"""A cached day's record is patched, not rendered, after an edit of one item's own text
(sessions/page_patch.py), and a patched page is the page a fresh render gives.

Each test turns PAGE_CACHE on over the tests' memory cache, as tests/test_page_cache.py
does; tests/test_redis_cache.py checks the Redis operation the stamps move with.
"""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sessions import comments, page_cache, page_patch
from sessions.kinds import KINDS
from sessions.live import texts
from sessions.live.texts import Key
from sessions.models import Membership
from sessions.page_patch import Patch, Slots

from .factories import (
    ActionItemFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    SuggestionFactory,
)
from .helpers import url

pytestmark = pytest.mark.django_db(transaction=True)  # stamps move on commit

HTMX = {"HTTP_HX_REQUEST": "true"}
HIT_QUERIES = 2  # the session and the user, as any logged-in page served from the cache


@pytest.fixture(autouse=True)
def _page_cache(settings):
    settings.PAGE_CACHE = True


def view(client, day) -> tuple[str, int]:
    """The day's record without its CSRF tokens, and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("day", day))
    assert response.status_code == 200
    html = re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[A-Za-z0-9]{64}"', "", html), len(queries)


def fresh(user, day) -> str:
    """The record as a new login session renders it: nothing cached for it yet."""
    client = Client()
    client.force_login(user)
    html, queries = view(client, day)
    assert queries > HIT_QUERIES  # rendered, not served
    return html


def post_edit(client, item, **changes):
    """Save `item` through the editor's form with `changes` over its current values."""
    kind = KINDS[item.kind]
    form = kind.form(instance=item, team=item.day.team)
    body = {}
    for name, bound in form.initial.items():
        if name not in form.fields:
            continue
        value = changes.get(name, bound)
        if isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        body[name] = "" if value is None else getattr(value, "pk", value)
    body["version"] = item.version
    path = url("item_edit", item.day, kind=item.kind, pk=item.pk)
    response = client.post(path, body, **HTMX)
    assert response.status_code == 200, response.content.decode()[:500]


@pytest.fixture
def member(team):
    return Membership.objects.get(team=team, display_name="이멤버")


EDITS = {  # kind: (a factory, the edit, a text the edit shows)
    "suggestion": (SuggestionFactory, {"discussion": "토론을 고쳤다"}, "토론을 고쳤다"),
    "review": (ReviewFactory, {"notes": "리뷰 메모 수정"}, "리뷰 메모 수정"),
    "question": (QuestionFactory, {"answer": "**새 답변**"}, "<strong>새 답변</strong>"),
    "action": (ActionItemFactory, {"text": "할 일 고침"}, "할 일 고침"),
    "section": (SectionFactory, {"body": "본문 _수정_"}, "<em>수정</em>"),
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_an_edit_of_an_items_text_patches_the_record_without_rendering_it(
    kind, day, as_admin, team_admin
):
    factory, changes, shown = EDITS[kind]
    items = [factory(day=day) for _ in range(3)]
    QuestionFactory(day=day, question="그대로인 질문")
    view(as_admin, day)  # cached for this session
    post_edit(as_admin, items[1], **changes)  # reviews: the moderator's or an admin's
    html, queries = view(as_admin, day)
    assert queries == HIT_QUERIES
    assert shown in html and "그대로인 질문" in html
    assert html == fresh(team_admin, day)


def test_a_people_field_and_the_presenters_patch_too(day, as_admin, team_admin, member):
    question = QuestionFactory(day=day, question="누가 물었나")
    review = ReviewFactory(day=day, assignment="과제 3")
    view(as_admin, day)
    post_edit(as_admin, question, asked_by=member.pk)
    post_edit(as_admin, review, presenters=[member.pk])
    html, queries = view(as_admin, day)
    assert queries == HIT_QUERIES
    assert html.count("이멤버") >= 2
    assert html == fresh(team_admin, day)


def test_live_editing_patches_the_record(day, as_member, team_member):
    question = QuestionFactory(day=day, answer="처음")
    view(as_member, day)
    written = texts.write_back(day.pk, {Key("question", question.pk, "answer"): "함께 쓴 답변"}, {})
    assert written.saved
    html, queries = view(as_member, day)
    assert queries == HIT_QUERIES and "함께 쓴 답변" in html
    assert html == fresh(team_member, day)


def test_edits_one_after_another_are_all_applied_in_one_view(day, as_member, team_member):
    first, second = QuestionFactory(day=day), QuestionFactory(day=day)
    view(as_member, day)
    for n in range(3):
        post_edit(as_member, first, answer=f"첫째 답 {n}")
        first.refresh_from_db()
    post_edit(as_member, second, answer="둘째 답")
    html, queries = view(as_member, day)
    assert queries == HIT_QUERIES
    assert "첫째 답 2" in html and "첫째 답 1" not in html and "둘째 답" in html
    assert html == fresh(team_member, day)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda s, q: {"item": s, "heading": "새 제목"}, id="section heading"),
        pytest.param(lambda s, q: {"item": q, "needs_follow_up": True}, id="follow-up state"),
    ],
)
def test_an_edit_shown_outside_the_item_renders_the_record_afresh(
    edit, day, as_member, team_member
):
    section = SectionFactory(day=day, heading="옛 제목")
    question = QuestionFactory(day=day, question="후속 확인할 질문")
    view(as_member, day)
    changes = edit(section, question)
    post_edit(as_member, changes.pop("item"), **changes)
    html, queries = view(as_member, day)
    assert queries > HIT_QUERIES
    assert html == fresh(team_member, day)


def test_an_edit_mixed_with_another_change_renders_afresh(day, as_member, team_member):
    question = QuestionFactory(day=day)
    view(as_member, day)
    post_edit(as_member, question, answer="답을 달았다")
    SuggestionFactory(day=day, proposal="새 건의")  # a new item: no patch covers it
    html, queries = view(as_member, day)
    assert queries > HIT_QUERIES
    assert "답을 달았다" in html and "새 건의" in html


def test_a_carried_over_follow_up_edited_on_its_own_day_renders_the_later_day_afresh(
    day, as_member, team_member
):
    later = day.__class__.objects.create(
        team=day.team, date=day.date + datetime.timedelta(days=1), number=day.number + 1
    )
    open_question = QuestionFactory(day=day, question="아직 열린 질문", needs_follow_up=True)
    assert "아직 열린 질문" in view(as_member, later)[0]  # carried over to the later day
    post_edit(as_member, open_question, question="고쳐진 열린 질문")
    html, queries = view(as_member, later)
    assert queries > HIT_QUERIES
    assert "고쳐진 열린 질문" in html
    assert html == fresh(team_member, later)


def test_an_edit_on_another_day_that_the_record_does_not_show_costs_no_render(
    day, as_member, team_member
):
    other = day.__class__.objects.create(
        team=day.team, date=day.date + datetime.timedelta(days=1), number=day.number + 1
    )
    elsewhere = QuestionFactory(day=other, question="다른 날 질문")
    QuestionFactory(day=day, question="이날 질문")
    before = view(as_member, day)[0]
    post_edit(as_member, elsewhere, answer="다른 날 답")
    html, queries = view(as_member, day)
    assert queries == HIT_QUERIES and html == before == fresh(team_member, day)


def test_a_fragment_gone_from_the_cache_renders_the_record_afresh(day, as_member, team_member):
    question = QuestionFactory(day=day)
    view(as_member, day)
    post_edit(as_member, question, answer="사라질 조각")
    [(_stamp, patch)] = page_cache._changes(day.team.slug)[-1:]
    cache.delete(patch.key)  # evicted
    html, queries = view(as_member, day)
    assert queries > HIT_QUERIES and "사라질 조각" in html


# The rules, one by one -----------------------------------------------------------------

TODAY = datetime.date(2026, 12, 4)
SLOTS = Slots(day=1, spans=(("question:1", 3, 10, 20), ("question:2", 1, 30, 35)))


def patch(slot="question:1", version=4, day=1, today=TODAY) -> Patch:
    return Patch(day, slot, version, f"key-{slot}-{version}", today)


def test_the_newest_version_of_each_item_wins_whatever_order_the_stamps_moved_in():
    records = [("a", None), ("b", patch(version=5)), ("c", patch(version=4)), ("d", None)]
    found = page_patch.changes_since(records[:3], "a", "c", SLOTS, TODAY)
    assert found == {"question:1": patch(version=5)}


def test_a_version_the_page_already_has_is_no_change():
    records = [("a", None), ("b", patch(version=3))]
    assert page_patch.changes_since(records, "a", "b", SLOTS, TODAY) == {}


@pytest.mark.parametrize(
    "records, since, until",
    [
        ([("b", patch())], "a", "b"),  # the page's stamp is older than the list
        ([("a", None), ("b", patch())], "a", "z"),  # the current stamp was not appended
        ([("a", None), ("b", None), ("c", patch())], "a", "c"),  # a change without a patch
        ([("a", None), ("b", patch(today=TODAY.replace(day=3)))], "a", "b"),  # another today
        ([("a", None), ("b", patch(slot="question:9"))], "a", "b"),  # an item it lacks
        ([("b", patch()), ("a", None)], "a", "b"),  # the list says the page is newer
    ],
)
def test_what_cannot_be_patched_is_rendered(records, since, until):
    assert page_patch.changes_since(records, since, until, SLOTS, TODAY) is None


def test_an_item_the_page_carries_over_is_never_patched():
    slots = Slots(day=1, spans=SLOTS.spans, refs=frozenset({"question:7"}))
    records = [("a", None), ("b", patch(slot="question:7", day=2))]
    assert page_patch.changes_since(records, "a", "b", slots, TODAY) is None


def test_splicing_moves_the_later_slots():
    html = "앞 <li>하나</li> 가운데 <li>둘</li> 뒤".encode()
    one = html.index("<li>하나</li>".encode())
    two = html.index("<li>둘</li>".encode())
    slots = Slots(
        1,
        (
            ("question:1", 1, one, one + len("<li>하나</li>".encode())),
            ("question:2", 1, two, two + len("<li>둘</li>".encode())),
        ),
    )
    new, moved = page_patch.splice(
        html, slots, {"question:1": (2, "<li>하나를 고침</li>".encode())}
    )
    assert new.decode() == "앞 <li>하나를 고침</li> 가운데 <li>둘</li> 뒤"
    (_, version, start, end), (_, _, start2, end2) = moved.spans
    assert version == 2 and new[start:end].decode() == "<li>하나를 고침</li>"
    assert new[start2:end2].decode() == "<li>둘</li>"


def test_text_that_looks_like_a_slot_mark_is_only_text(day, team_member, as_member):
    """The marks that note where each item lands are private-use characters, which user
    text may hold: a comment holding them is shown as typed, the items stay patchable."""
    question = QuestionFactory(day=day, question="원래 질문")
    author = team_member.memberships.get()
    typed = f"\ue000question:{question.pk}\ue001 그리고 \ue000없는칸\ue001"
    comments.post(day=day, author=author, body=typed, target=("", None), user=None)

    html, _queries = view(as_member, day)
    assert "그리고" in html
    post_edit(as_member, question, question="고친 질문")
    patched, queries = view(as_member, day)
    assert "고친 질문" in patched and queries == HIT_QUERIES
