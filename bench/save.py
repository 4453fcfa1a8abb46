"""What saving one item costs on a day of 30 items, against the same save on a day of one
item and against writing the item's row alone.

Run from the repository: `DEBUG=1 .venv/bin/python bench/save.py`. It uses the configured
database (DATABASE_URL, else db.sqlite3), which must be migrated; it makes a scratch team,
saves one question many times the way the editor does (QuestionForm, then
services.save_versioned: the version check, the history revision and the search
documents, in one transaction), and deletes the team again. Nothing goes over the network.

Baselines, measured in the same process, alternating with the measured save:
- the same save on a day whose only item is that question: a save should cost the same
  whatever else the day holds;
- the item's row alone (one UPDATE of the question in its own transaction), what no save
  can beat.
"""

import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench._django import require_migrated  # noqa: E402  (sets Django up)
from sessions import services  # noqa: E402
from sessions.forms.items import QuestionForm  # noqa: E402
from sessions.models import (  # noqa: E402
    ActionItem,
    AssignmentReview,
    Day,
    FreeSection,
    MemberLog,
    Membership,
    Question,
    Suggestion,
    Team,
)

ROUNDS = 5
SAVES = 40  # per round and kind of save
PER_KIND = 6  # 5 kinds x 6 = a day of 30 items
WORDS = "그래프 탐색 동적 계획법 해시 테이블 정렬 알고리즘 이분 탐색 트리 순회 힙 자료구조".split()


def text(n: int, words: int = 40) -> str:
    return " ".join(WORDS[(n + i) % len(WORDS)] + str(i % 7) for i in range(words))


def build_day(team: Team, members: list[Membership], number: int, *, full: bool) -> Question:
    """A day and its question; with `full`, 29 more items and a log for every member."""
    day = Day.objects.create(team=team, number=number, date=f"2024-03-{number:02d}", title="벤치")
    question = Question.objects.create(day=day, position=1, question=text(0), answer=text(1))
    if not full:
        return question
    for i in range(1, PER_KIND + 1):
        Suggestion.objects.create(day=day, position=i, proposal=text(i), discussion=text(i + 1))
        AssignmentReview.objects.create(day=day, position=i, assignment=f"과제 {i}", notes=text(i))
        FreeSection.objects.create(day=day, position=i, heading=f"주제 {i}", body=text(i, 80))
        ActionItem.objects.create(day=day, position=i, text=text(i, 10))
        if i > 1:
            Question.objects.create(day=day, position=i, question=text(i), answer=text(i + 2))
    for member in members:
        MemberLog.objects.create(day=day, member=member, retrospective=text(member.pk, 60))
    return question


def save_with_the_form(question: Question, user, n: int) -> None:
    question = Question.objects.select_related("day__team").get(pk=question.pk)
    team = question.day.team
    data = {"question": f"{text(n)} 수정 {n}", "answer": question.answer, "links": ""}
    form = QuestionForm(data | {"version": question.version}, instance=question, team=team)
    assert form.is_valid(), form.errors
    services.save_versioned(form, expected_version=form.expected_version, user=user)


def write_the_row(question: Question, user, n: int) -> None:
    with transaction.atomic():
        Question.objects.filter(pk=question.pk).update(question=f"{text(n)} 수정 {n}")


def per_save_ms(action, question, user) -> float:
    start = time.perf_counter()
    for n in range(SAVES):
        action(question, user, n)
    return (time.perf_counter() - start) / SAVES * 1000


def main() -> None:
    require_migrated()
    user = get_user_model().objects.create(username=f"bench-{uuid.uuid4().hex[:10]}")
    team = Team.objects.create(name="벤치팀", slug=f"bench-{uuid.uuid4().hex[:10]}")
    try:
        members = [
            Membership.objects.create(team=team, display_name=f"멤버{i}", rotation_order=i)
            for i in range(6)
        ]
        on_full = build_day(team, members, 1, full=True)
        on_single = build_day(team, members, 2, full=False)
        rounds = {"full": [], "single": [], "row": []}
        for _ in range(ROUNDS):  # alternating, so a slow minute weighs on all three alike
            rounds["full"].append(per_save_ms(save_with_the_form, on_full, user))
            rounds["single"].append(per_save_ms(save_with_the_form, on_single, user))
            rounds["row"].append(per_save_ms(write_the_row, on_full, user))
    finally:
        team.delete()
        user.delete()

    full, single, row = (statistics.median(rounds[k]) for k in ("full", "single", "row"))
    print(f"database: {connection.vendor}; medians of {ROUNDS} rounds of {SAVES} saves")
    print(f"{'save, day of 30 items':<28}{full:8.2f} ms")
    print(f"{'save, day of 1 item':<28}{single:8.2f} ms")
    print(f"{'the row alone':<28}{row:8.2f} ms")
    print(f"{'30 items / 1 item':<28}{full / single:8.2f}x")
    print(f"{'30 items / the row alone':<28}{full / row:8.2f}x")


if __name__ == "__main__":
    main()
