"""학습 내용 notes: written in the member's log editor, shown under their badges on the
day record and the member record, as private as the log is, limited with a message."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.models import MemberLog, Membership

from .factories import MemberLogFactory, MembershipFactory, StudyLinkFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOTES = "선택과제 2번 추가 공부\n\n- [해시 정리](https://example.com/hash) 다시 읽기"


def log_url(day) -> str:
    return reverse("peer:log_edit", kwargs={"team": day.team.slug, "date": day.date})


def record_url(day, member=None) -> str:
    kwargs = {"team": day.team.slug, "date": day.date}
    if member is None:
        return reverse("peer:day", kwargs=kwargs)
    return reverse("peer:member_day", kwargs={**kwargs, "member": member.pk})


def log_body(*, notes: str = NOTES, retrospective: str = "", visibility="team", links=()):
    data = {
        "study_notes": notes,
        "retrospective": retrospective,
        "visibility": visibility,
        "version": "0",
        "links-TOTAL_FORMS": str(len(links)),
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "30",
    }
    for i, (title, url) in enumerate(links):
        data |= {f"links-{i}-title": title, f"links-{i}-url": url, f"links-{i}-color": "red"}
    return data


def test_the_log_editor_has_the_notes_field_with_live_preview(day, as_member):
    html = as_member.get(log_url(day), **HTMX).content.decode()
    assert 'name="study_notes"' in html
    # markdownx's editor, previewing through the team's own endpoint.
    preview = reverse("peer:markdown_preview", kwargs={"team": day.team.slug})
    assert html.count("markdownx-editor") >= 2  # the notes and the retrospective
    assert f'data-markdownx-urls-path="{preview}"' in html
    # The notes sit with the links, before the retrospective.
    assert html.index('name="study_notes"') < html.index('name="retrospective"')
    assert html.index('name="links-TOTAL_FORMS"') < html.index('name="study_notes"')


def test_saving_notes_keeps_them_beside_the_links(day, as_member, team_member):
    body = log_body(links=[("1강 해시", "https://example.com/1")])
    response = as_member.post(log_url(day), body, **HTMX)
    assert response.status_code == 200
    log = MemberLog.objects.get(day=day, member=team_member.memberships.get())
    assert log.study_notes == NOTES
    assert [link.title for link in log.links.all()] == ["1강 해시"]
    # The saved panel shows them, rendered.
    html = response.content.decode()
    assert 'href="https://example.com/hash"' in html and "선택과제 2번 추가 공부" in html


def test_the_day_record_shows_notes_under_the_members_badges(day, as_admin, team_member):
    member = team_member.memberships.get()
    log = MemberLogFactory(day=day, member=member, retrospective="", study_notes=NOTES)
    StudyLinkFactory(log=log, title="1강 해시")
    html = as_admin.get(record_url(day)).content.decode()
    study = html[html.index('id="study"') : html.index("</section>", html.index('id="study"'))]
    assert study.index("이멤버") < study.index("1강 해시") < study.index("선택과제 2번 추가 공부")
    assert '<a href="https://example.com/hash"' in study


def test_notes_without_badges_still_show_on_the_records(day, as_admin, team_member):
    member = team_member.memberships.get()
    MemberLogFactory(day=day, member=member, retrospective="", study_notes="배지 없이 쓴 메모")
    assert "배지 없이 쓴 메모" in as_admin.get(record_url(day)).content.decode()
    assert "배지 없이 쓴 메모" in as_admin.get(record_url(day, member)).content.decode()


def test_the_member_record_shows_the_notes(day, as_admin, team_member):
    member = team_member.memberships.get()
    log = MemberLogFactory(day=day, member=member, study_notes=NOTES)
    StudyLinkFactory(log=log, title="2강 트리")
    html = as_admin.get(record_url(day, member)).content.decode()
    study = html[html.index('id="study"') : html.index("</section>", html.index('id="study"'))]
    assert study.index("2강 트리") < study.index("선택과제 2번 추가 공부")


def test_notes_go_through_the_sanitizer(day, as_admin, team_member):
    member = team_member.memberships.get()
    notes = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3))'
    MemberLogFactory(day=day, member=member, study_notes=notes)
    for url in (record_url(day), record_url(day, member)):
        html = as_admin.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "onerror" not in html
        assert "javascript:alert" not in html


def test_a_private_logs_notes_show_to_its_member_only(day, as_member, as_admin, team_member):
    member = team_member.memberships.get()
    MemberLogFactory(
        day=day,
        member=member,
        retrospective="",
        study_notes="나만 보는 학습 메모",
        visibility=MemberLog.Visibility.PRIVATE,
    )
    assert "나만 보는 학습 메모" in as_member.get(record_url(day)).content.decode()
    assert "나만 보는 학습 메모" in as_member.get(record_url(day, member)).content.decode()
    assert "나만 보는 학습 메모" not in as_admin.get(record_url(day)).content.decode()
    assert "나만 보는 학습 메모" not in as_admin.get(record_url(day, member)).content.decode()


def test_too_long_notes_answer_422_with_the_message_and_save_nothing(
    day, as_member, team_member, english
):
    notes = "가" * 5001
    response = as_member.post(
        log_url(day), log_body(notes=notes, links=[("1강", "https://example.com/1")]), **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Notes can be at most 5000 characters long (these have 5001)." in html
    # Beside the field, and what was typed is kept.
    field = html[html.index('name="study_notes"') :]
    assert field.index("Notes can be at most") < field.index('name="retrospective"')
    assert notes in html
    assert not MemberLog.objects.filter(day=day).exists()


def test_too_long_notes_do_not_change_a_saved_log(day, as_member, team_member):
    log = MemberLogFactory(day=day, member=team_member.memberships.get(), study_notes="처음")
    body = log_body(notes="나" * 5001) | {"version": str(log.version)}
    assert as_member.post(log_url(day), body, **HTMX).status_code == 422
    log.refresh_from_db()
    assert log.study_notes == "처음"


def test_notes_of_exactly_the_limit_are_saved(day, as_member, team_member):
    response = as_member.post(log_url(day), log_body(notes="다" * 5000), **HTMX)
    assert response.status_code == 200
    assert len(MemberLog.objects.get(day=day).study_notes) == 5000


def test_the_records_queries_do_not_grow_with_notes(day, as_admin, team):
    """The notes are a column of the logs the records already prefetch: more members
    with notes and badges cost no query."""

    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_admin.get(url).status_code == 200
        return len(queries)

    def add_logs(n):
        for _ in range(n):
            member = MembershipFactory(team=team, role=Membership.Role.MEMBER)
            log = MemberLogFactory(day=day, member=member, study_notes=NOTES)
            StudyLinkFactory(log=log)

    add_logs(1)
    subject = MemberLog.objects.filter(day=day).first().member
    few = [count(record_url(day)), count(record_url(day, subject))]
    add_logs(6)
    many = [count(record_url(day)), count(record_url(day, subject))]
    assert all(m <= f for m, f in zip(many, few, strict=True)), (few, many)
