"""Revision history: every save of a day leaves who, when and what changed; the
history page shows the differences and restores an old version as a new save.

Saves go through the real endpoints, as the day editor sends them. Who may open the
pages per role is in the matrix of tests/test_permissions.py; the cases here are the
ones the matrix cannot express (a member's own log, private logs, a closed day).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions import history
from sessions.models import Attendance, Day, MemberLog, Question, Revision

from .factories import (
    MemberLogFactory,
    MembershipFactory,
    QuestionFactory,
    SectionFactory,
    session_form,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def item_url(name: str, item) -> str:
    kwargs = {"team": item.day.team.slug, "date": item.day.date, "kind": item.kind}
    if name != "item_create":
        kwargs["pk"] = item.pk
    return reverse(f"peer:{name}", kwargs=kwargs)


def history_url(day) -> str:
    return reverse("peer:day_history", kwargs={"team": day.team.slug, "date": day.date})


def restore_url(rev) -> str:
    day = rev.day
    return reverse(
        "peer:revision_restore", kwargs={"team": day.team.slug, "date": day.date, "pk": rev.pk}
    )


def edit_question(client, question, text: str, **fields):
    question.refresh_from_db()
    body = {
        "question": text,
        "answer": question.answer,
        "links": question.links,
        "version": question.version,
        **fields,
    }
    return client.post(item_url("item_edit", question), body, **HTMX)


def test_an_edit_records_who_when_and_both_versions(day, as_member, team_member):
    question = QuestionFactory(day=day, question="처음 질문")
    before = timezone.now()
    assert edit_question(as_member, question, "고친 질문").status_code == 200
    rev = Revision.objects.get()
    assert (rev.kind, rev.object_id, rev.action) == ("question", question.pk, "edited")
    assert rev.author == team_member
    assert rev.created_at >= before
    assert rev.before["question"] == "처음 질문"
    assert rev.after["question"] == "고친 질문"


def test_the_history_page_shows_the_change_and_its_author(day, as_member, as_observer):
    question = QuestionFactory(day=day, question="처음 질문")
    edit_question(as_member, question, "고친 질문")
    page = as_observer.get(history_url(day))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<del class="old">처음 질문</del>' in html
    assert '<ins class="new">고친 질문</ins>' in html
    assert "이멤버" in html  # the author's name in the team
    assert "Restore" not in html and "되돌리기" not in html  # observers cannot restore


def test_a_multi_line_change_is_shown_line_by_line(day, as_member):
    question = QuestionFactory(day=day, question="첫 줄\n둘째 줄\n셋째 줄")
    edit_question(as_member, question, "첫 줄\n바뀐 둘째 줄\n셋째 줄")
    html = as_member.get(history_url(day)).content.decode()
    assert "<del>둘째 줄</del>" in html
    assert "<ins>바뀐 둘째 줄</ins>" in html
    assert html.count("diff-line") == 4  # two kept, one removed, one added


def test_markup_in_a_change_is_shown_as_text(day, as_member):
    question = QuestionFactory(day=day, question="안전한 질문")
    edit_question(as_member, question, "<img src=x onerror=alert(1)>")
    html = as_member.get(history_url(day)).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_saving_the_same_content_again_records_nothing(day, as_member):
    question = QuestionFactory(day=day, question="그대로")
    edit_question(as_member, question, "그대로")
    assert not Revision.objects.exists()


def test_restoring_an_old_version_saves_it_again(day, as_member):
    question = QuestionFactory(day=day, question="첫 판")
    edit_question(as_member, question, "둘째 판")
    edit_question(as_member, question, "셋째 판")
    first = Revision.objects.order_by("id").first()  # its state after: "둘째 판"
    version = Question.objects.get(pk=question.pk).version
    response = as_member.post(restore_url(first))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.question == "둘째 판"
    assert question.version == version + 1
    latest = Revision.objects.first()
    assert latest.action == "restored"
    assert latest.before["question"] == "셋째 판"
    assert latest.after["question"] == "둘째 판"
    # The restored text is found by search, as any save.
    found = as_member.get(reverse("peer:search", kwargs={"team": day.team.slug}), {"q": "둘째"})
    assert "둘째" in found.content.decode()


def test_a_deleted_item_comes_back_under_its_old_id(day, as_member):
    section = SectionFactory(day=day, heading="지울 섹션", body="본문입니다")
    pk = section.pk
    response = as_member.post(item_url("item_delete", section), {"version": section.version})
    assert response.status_code == 200
    assert not day.freesections.exists()
    deleted = Revision.objects.get(action="deleted")
    assert deleted.after is None and deleted.before["heading"] == "지울 섹션"
    html = as_member.get(history_url(day)).content.decode()
    assert "지울 섹션" in html
    assert as_member.post(restore_url(deleted)).status_code == 302
    back = day.freesections.get()
    assert (back.pk, back.heading, back.body) == (pk, "지울 섹션", "본문입니다")


def test_a_new_item_is_recorded_as_added(day, as_member):
    url = reverse(
        "peer:item_create", kwargs={"team": day.team.slug, "date": day.date, "kind": "section"}
    )
    as_member.post(url, {"heading": "새 섹션", "body": "", "level": 3}, **HTMX)
    rev = Revision.objects.get()
    assert rev.action == "created" and rev.before is None and rev.after["heading"] == "새 섹션"


def test_session_changes_include_attendance_and_restore_it(day, as_admin, team_member):
    member = team_member.memberships.get()
    body = session_form(day, title="새 제목", absent=[member])
    url = reverse("peer:session_edit", kwargs={"team": day.team.slug, "date": day.date})
    assert as_admin.post(url, body, **HTMX).status_code == 200
    rev = Revision.objects.get(kind="session")
    assert rev.before["attendance"][str(member.pk)][0] == "present"
    assert rev.after["attendance"][str(member.pk)][0] == "absent"
    html = as_admin.get(history_url(day)).content.decode()
    assert "이멤버: 결석" in html
    # Restoring the state before the change: a revision "created" with the old state.
    old = history.record(day, Revision.Action.CREATED, before=None, after=rev.before)
    assert as_admin.post(restore_url(old)).status_code == 302
    assert Attendance.objects.get(day=day, member=member).status == "present"
    assert Day.objects.get(pk=day.pk).title == ""


def test_a_private_log_is_in_its_members_history_only(day, as_member, as_admin, team_member):
    member = team_member.memberships.get()
    url = reverse("peer:log_edit", kwargs={"team": day.team.slug, "date": day.date})
    body = {
        "retrospective": "나만 보는 회고",
        "study_notes": "",
        "visibility": "private",
        "version": "0",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "30",
    }
    assert as_member.post(url, body, **HTMX).status_code == 200
    rev = Revision.objects.get(kind="log")
    assert rev.private_to == member
    assert "나만 보는 회고" in as_member.get(history_url(day)).content.decode()
    assert "나만 보는 회고" not in as_admin.get(history_url(day)).content.decode()
    assert as_admin.post(restore_url(rev)).status_code == 404


def test_only_its_member_restores_a_log(day, as_member, as_admin, team_member):
    log = MemberLogFactory(day=day, member=team_member.memberships.get(), retrospective="둘째")
    rev = history.record(log, Revision.Action.CREATED, before=None, after=history.snapshot(log))
    MemberLog.objects.filter(pk=log.pk).update(retrospective="셋째")
    assert as_admin.post(restore_url(rev)).status_code == 403
    assert MemberLog.objects.get(pk=log.pk).retrospective == "셋째"
    assert as_member.post(restore_url(rev)).status_code == 302
    assert MemberLog.objects.get(pk=log.pk).retrospective == "둘째"


def test_a_closed_day_refuses_restores(day, as_admin):
    question = QuestionFactory(day=day, question="첫 판")
    rev = history.record(
        question, Revision.Action.CREATED, before=None, after=history.snapshot(question)
    )
    Question.objects.filter(pk=question.pk).update(question="둘째 판")
    Day.objects.filter(pk=day.pk).update(closed_at=timezone.now())
    assert as_admin.post(restore_url(rev)).status_code == 403
    assert Question.objects.get(pk=question.pk).question == "둘째 판"
    assert "되돌리기" not in as_admin.get(history_url(day)).content.decode()


def test_a_revision_of_another_day_is_not_found(day, as_admin, team):
    question = QuestionFactory(day=day)
    rev = history.record(
        question, Revision.Action.CREATED, before=None, after=history.snapshot(question)
    )
    other = Day.objects.create(team=team, date=day.date.replace(day=5), number=2)
    url = reverse(
        "peer:revision_restore", kwargs={"team": team.slug, "date": other.date, "pk": rev.pk}
    )
    assert as_admin.post(url).status_code == 404


def test_a_member_who_left_is_not_restored_as_asker(day, as_admin, team, other_team):
    stranger = MembershipFactory(team=other_team, display_name="남의팀")
    question = QuestionFactory(day=day, question="질문")
    state = {**history.snapshot(question), "asked_by": stranger.pk}
    rev = history.record(question, Revision.Action.CREATED, before=None, after=state)
    as_admin.post(restore_url(rev))
    assert Question.objects.get(pk=question.pk).asked_by is None


def test_resolving_and_reopening_are_in_the_history(day, as_member):
    question = QuestionFactory(day=day, needs_follow_up=True)
    url = reverse(
        "peer:follow_up_resolve",
        kwargs={"team": day.team.slug, "kind": "question", "pk": question.pk},
    )
    as_member.post(url, {"resolution": "확인했습니다"})
    rev = Revision.objects.get()
    assert rev.action == "resolved"
    assert rev.before["resolution"] == "" and rev.after["resolution"] == "확인했습니다"


def test_the_history_page_queries_do_not_grow(day, as_member):
    """One page shows 30 revisions whatever the day holds: the page, its count, the
    members' names and the member's own logs are a fixed number of queries."""

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_member.get(history_url(day)).status_code == 200
        return len(queries)

    question = QuestionFactory(day=day, question="0")
    edit_question(as_member, question, "1")
    few = count()
    for n in range(2, 45):
        edit_question(as_member, question, str(n))
    assert count() == few
    assert few <= 12


# --- a log's 학습 내용 notes ----------------------------------------------------------


def save_own_log(client, day, *, notes: str, version: int, visibility: str = "team"):
    url = reverse("peer:log_edit", kwargs={"team": day.team.slug, "date": day.date})
    body = {
        "study_notes": notes,
        "retrospective": "회고",
        "visibility": visibility,
        "version": str(version),
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "30",
    }
    return client.post(url, body, **HTMX)


def test_notes_are_kept_in_history_and_restored(day, as_member, team_member):
    assert save_own_log(as_member, day, notes="첫 메모", version=0).status_code == 200
    first = Revision.objects.get(kind="log")
    assert first.after["study_notes"] == "첫 메모"
    log = MemberLog.objects.get(day=day)
    assert save_own_log(as_member, day, notes="둘째 메모", version=log.version).status_code == 200
    edit = Revision.objects.filter(kind="log").latest("pk")
    assert (edit.before["study_notes"], edit.after["study_notes"]) == ("첫 메모", "둘째 메모")
    html = as_member.get(history_url(day)).content.decode()
    assert "첫 메모" in html and "둘째 메모" in html
    # The entry says whose log it is.
    entry = html[html.index(f'id="revision-{edit.pk}"') :]
    assert "이멤버" in entry[: entry.index("</header>")]

    assert as_member.post(restore_url(first)).status_code == 302
    assert MemberLog.objects.get(pk=log.pk).study_notes == "첫 메모"
    assert Revision.objects.filter(kind="log").latest("pk").action == "restored"


def test_a_logs_import_layout_is_restored_but_not_shown(day, as_member, team_member):
    """study_layout (how an imported post interleaved badges and notes) is part of the
    log's state, so restoring brings it back with the notes, but it is no reading."""
    layout = [["links", 1], ["notes", 1]]
    log = MemberLogFactory(
        day=day, member=team_member.memberships.get(), study_notes="메모", study_layout=layout
    )
    rev = history.record(log, Revision.Action.CREATED, before=None, after=history.snapshot(log))
    MemberLog.objects.filter(pk=log.pk).update(study_notes="바뀐 메모", study_layout=[])
    hidden = str(MemberLog._meta.get_field("study_layout").verbose_name)
    labels = [c.label for c in history.changes(rev, {})]
    assert (
        hidden not in labels
        and str(MemberLog._meta.get_field("study_notes").verbose_name) in labels
    )
    assert as_member.post(restore_url(rev)).status_code == 302
    log.refresh_from_db()
    assert (log.study_notes, log.study_layout) == ("메모", layout)
