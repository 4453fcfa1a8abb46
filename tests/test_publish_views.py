"""The publishing pages: a member's post as .md, all their posts as a zip, the import page.

Export: the member themself and admins may download a member's posts; other members
and observers get 403, outsiders 404 (the whole matrix is in test_permissions.py).
What the post says is export.py's business (test_jekyll_export.py); here, that the
page hands it over whole, with the right headers, and keeps private logs private.
"""

import datetime
import io
import zipfile
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.forms import publish as publish_forms
from sessions.jekyll.export import render_post
from sessions.models import Day, ImportedPost, MemberLog, Membership, Question

from .factories import DayFactory, MemberLogFactory, QuestionFactory, StudyLinkFactory
from .test_permissions import snapshot

pytestmark = pytest.mark.django_db

FILENAME = "2024-03-04-boostcourse_day1.md"
WEEK_FILENAME = "2024-03-10-boostcourse_week1.md"  # the team's post of that week


@pytest.fixture
def member(team_member):
    return team_member.memberships.get()


@pytest.fixture
def log(day, member):
    """The member's log on day 1: one study link and a retrospective, visible to the team."""
    log = MemberLogFactory(day=day, member=member, retrospective="스택과 큐를 복습했다.")
    StudyLinkFactory(
        log=log, title="자료구조 강의", url="https://example.com/ds", color="blue", position=1
    )
    QuestionFactory(day=day, question="힙은 언제 쓰나요?", answer="우선순위 큐를 만들 때 씁니다.")
    return log


def export_url(day, member) -> str:
    return reverse(
        "peer:member_export", kwargs={"team": day.team.slug, "date": day.date, "member": member.pk}
    )


def zip_url(team, member) -> str:
    return reverse("peer:member_posts_zip", kwargs={"team": team.slug, "member": member.pk})


def import_url(team) -> str:
    return reverse("peer:import_posts", kwargs={"team": team.slug})


def zip_entries(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


# --- one post as .md ---------------------------------------------------------------


def test_a_member_downloads_their_post(as_member, day, member, log):
    response = as_member.get(export_url(day, member))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{FILENAME}"'
    body = response.content.decode()
    assert body == render_post(Day.objects.get(pk=day.pk), member)
    assert body.startswith("---\n")
    assert "## 학습 내용" in body
    assert (
        '<a href="https://example.com/ds">'
        '<img src="https://img.shields.io/badge/-자료구조 강의-blue"/></a>'
    ) in body
    assert "### 질문내용" in body
    assert "1. 질문 : 힙은 언제 쓰나요?" in body
    assert "## 회고록\n\n스택과 큐를 복습했다." in body


def test_an_admin_downloads_a_members_post(as_admin, day, member, log):
    response = as_admin.get(export_url(day, member))
    assert response.status_code == 200
    assert "스택과 큐를 복습했다." in response.content.decode()


@pytest.mark.parametrize("client", ["as_member", "as_observer"])
def test_other_members_may_not_download_someones_post(client, day, team_admin, log, request):
    admin = team_admin.memberships.get()
    assert request.getfixturevalue(client).get(export_url(day, admin)).status_code == 403


def test_an_observer_may_download_their_own(as_observer, day, team_observer):
    response = as_observer.get(export_url(day, team_observer.memberships.get()))
    assert response.status_code == 200
    assert "## 피어세션" in response.content.decode()


def test_outsiders_and_anonymous_users(as_outsider, anon, day, member, log):
    assert as_outsider.get(export_url(day, member)).status_code == 404
    response = anon.get(export_url(day, member))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_another_teams_member_or_an_unknown_day_is_404(as_admin, day, outsider):
    foreign = outsider.memberships.get()
    assert as_admin.get(export_url(day, foreign)).status_code == 404
    url = reverse("peer:member_export", kwargs={"team": "alpha", "date": "2024-03-05", "member": 1})
    assert as_admin.get(url).status_code == 404


def test_a_private_log_is_only_in_its_authors_download(as_member, as_admin, day, member, log):
    MemberLog.objects.filter(pk=log.pk).update(visibility=MemberLog.Visibility.PRIVATE)
    own = as_member.get(export_url(day, member)).content.decode()
    assert "스택과 큐를 복습했다." in own
    assert "자료구조 강의" in own
    admins = as_admin.get(export_url(day, member)).content.decode()
    assert "스택과 큐를 복습했다." not in admins
    assert "자료구조 강의" not in admins
    assert "힙은 언제 쓰나요?" in admins  # the team's part of the day is still there


def test_the_record_page_links_the_download_for_who_may_use_it(
    as_member, as_admin, as_observer, day, member, log
):
    page = reverse(
        "peer:member_day", kwargs={"team": "alpha", "date": day.date, "member": member.pk}
    )
    link = f'href="{export_url(day, member)}"'
    assert link in as_member.get(page).content.decode()
    assert link in as_admin.get(page).content.decode()
    assert link not in as_observer.get(page).content.decode()


# --- all posts as a zip --------------------------------------------------------------


def test_a_member_downloads_all_their_posts(as_member, team, day, member, log):
    response = as_member.get(zip_url(team, member))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    # The display name is Korean, so the file name goes in RFC 5987's filename*.
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''" + quote("alpha-이멤버-posts.zip")
    )
    entries = zip_entries(response.content)
    assert list(entries) == [f"_posts/{FILENAME}", f"_posts/{WEEK_FILENAME}"]
    assert entries[f"_posts/{FILENAME}"] == render_post(Day.objects.get(pk=day.pk), member)


def test_the_zip_is_the_members_and_admins_only(
    as_admin, as_observer, as_outsider, anon, team, day, member, team_admin, log
):
    assert as_admin.get(zip_url(team, member)).status_code == 200
    assert as_observer.get(zip_url(team, member)).status_code == 403
    assert as_outsider.get(zip_url(team, member)).status_code == 404
    assert anon.get(zip_url(team, member))["Location"].startswith("/accounts/login/")


def test_an_admins_zip_leaves_private_logs_out(as_admin, as_member, team, day, member, log):
    MemberLog.objects.filter(pk=log.pk).update(visibility=MemberLog.Visibility.PRIVATE)
    admins = zip_entries(as_admin.get(zip_url(team, member)).content)
    assert list(admins) == [f"_posts/{FILENAME}", f"_posts/{WEEK_FILENAME}"]
    assert "스택과 큐를 복습했다." not in admins[f"_posts/{FILENAME}"]
    own = zip_entries(as_member.get(zip_url(team, member)).content)
    assert "스택과 큐를 복습했다." in own[f"_posts/{FILENAME}"]


def test_the_members_page_links_the_zip_and_the_import(as_member, as_admin, as_observer, team):
    admin = Membership.objects.get(team=team, role="admin")
    member = Membership.objects.get(team=team, role="member")
    members = reverse("peer:members", kwargs={"team": "alpha"})
    admins_page = as_admin.get(members).content.decode()
    assert f'href="{zip_url(team, admin)}"' in admins_page
    assert f'href="{import_url(team)}"' in admins_page
    members_page = as_member.get(members).content.decode()
    assert f'href="{zip_url(team, member)}"' in members_page
    assert f'href="{import_url(team)}"' not in members_page
    observers_page = as_observer.get(members).content.decode()
    assert "posts.zip" not in observers_page  # observers write no posts


# --- importing ---------------------------------------------------------------------


def post(date: str, number: int, question: str, retrospective: str = "") -> bytes:
    """A post in FORMAT.md's shape, by 이멤버 and 김관리."""
    text = f"""---
title: "[boostcourse] Day{number} 학습기록_알파팀"
excerpt: "about : 그래프"
categories:
  - boostcourse
tags:
  - [그래프]
date: {date}
last_modified_at: {date}
---
<br>

## 학습 내용

<a href="https://example.com/graph"><img src="https://img.shields.io/badge/-그래프 탐색-red"/></a>

<br>

## 피어세션 👨‍👨‍👦‍👦 👨‍👨‍👦

모더레이터 : 이멤버

참가자 : 김관리, 이멤버

<br>

### 질문내용

1. 질문 : {question}(이멤버)

    답 : 방문 표시를 먼저 합니다.(김관리)

<br>

## 회고록

{retrospective or "BFS와 DFS를 비교해 보았다."}
"""
    return text.encode()


GOOD = [
    ("2024-03-11-boostcourse_day6.md", post("2024-03-11", 6, "BFS에서 큐를 쓰는 이유는?")),
    ("2024-03-12-boostcourse_day7.md", post("2024-03-12", 7, "DFS의 재귀 깊이 제한은?")),
]
# A post whose title hides a direction override (it would make "gpj.md" read as
# "dm.jpg"): it fails after its members and day were already being written, so the
# rollback is what leaves nothing behind. (A long title is no fault: imports keep it.)
BAD_TITLE = "제목\u202egpj.md"
BAD = (
    "2024-03-13-boostcourse_day8.md",
    post("2024-03-13", 8, "남으면 안 되는 질문")
    .replace("[boostcourse] Day8 학습기록_알파팀".encode(), BAD_TITLE.encode())
    .replace("참가자 : 김관리, 이멤버".encode(), "참가자 : 김관리, 이멤버, 나새내".encode()),
)


def uploads(*files: tuple[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, data) for name, data in files]


def zipped(*files: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(f"_posts/{name}", data)
    return buffer.getvalue()


def results(response) -> dict[str, tuple[str, str]]:
    report = response.context["report"]
    return {r.name: (r.status, str(r.reason)) for r in report.results}


def test_the_import_page(as_admin, team, team_member):
    response = as_admin.get(import_url(team))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert 'type="file" name="files"' in content and "multiple" in content
    assert 'accept=".md,.markdown,.zip"' in content
    assert "이멤버" in content  # the author choices are the team's members
    assert response.context["report"] is None


def test_an_admin_imports_two_posts_and_a_bad_one(as_admin, team, team_member):
    members_before = set(Membership.objects.values_list("pk", flat=True))
    response = as_admin.post(import_url(team), {"files": uploads(*GOOD, BAD)})
    assert response.status_code == 200
    got = results(response)
    assert [got[name][0] for name, _ in GOOD] == ["imported", "imported"]
    status, reason = got[BAD[0]]
    assert status == "failed"
    assert reason.startswith("가져오지 못했습니다: title: ")  # says which field, and why
    assert response.context["counts"] == {"imported": 2, "unchanged": 0, "failed": 1}

    days = Day.objects.filter(team=team).order_by("date")
    assert [d.date.isoformat() for d in days] == ["2024-03-11", "2024-03-12"]
    assert Question.objects.filter(day__team=team).count() == 2
    # The bad post left nothing: no day, no question, no member, no register row.
    assert not Question.objects.filter(question__startswith="남으면").exists()
    assert set(Membership.objects.values_list("pk", flat=True)) == members_before
    assert not Membership.objects.filter(display_name="나새내").exists()
    assert ImportedPost.objects.filter(team=team).count() == 2

    content = response.content.decode()
    day_link = reverse("peer:day", kwargs={"team": "alpha", "date": "2024-03-11"})
    assert f'href="{day_link}"' in content
    assert 'data-status="failed"' in content
    # Without an author chosen, the posts are the uploader's.
    admin = team.memberships.get(role="admin")
    assert MemberLog.objects.filter(member=admin, day__team=team).count() == 2


def test_a_zip_of_posts_and_the_chosen_author(as_admin, team, team_member):
    member = team_member.memberships.get()
    body = {"files": uploads(("posts.zip", zipped(*GOOD))), "author": str(member.pk)}
    response = as_admin.post(import_url(team), body)
    got = results(response)
    assert {status for status, _ in got.values()} == {"imported"}
    assert len(got) == 2
    logs = MemberLog.objects.filter(day__team=team)
    assert [log.member for log in logs] == [member, member]
    assert logs[0].links.get().title == "그래프 탐색"


def test_importing_again_changes_nothing(as_admin, team, team_member):
    as_admin.post(import_url(team), {"files": uploads(*GOOD)})
    before = snapshot()
    response = as_admin.post(import_url(team), {"files": uploads(*GOOD)})
    assert {status for status, _ in results(response).values()} == {"unchanged"}
    assert response.context["counts"]["unchanged"] == 2
    assert snapshot() == before


def test_files_that_are_not_posts_are_reported(as_admin, team):
    before = snapshot()
    response = as_admin.post(import_url(team), {"files": uploads(("notes.txt", b"hello"))})
    assert results(response)["notes.txt"][0] == "failed"
    assert snapshot() == before


def test_uploads_over_the_limit_are_refused(as_admin, team, monkeypatch):
    monkeypatch.setattr(publish_forms, "MAX_UPLOAD_BYTES", 1000)
    before = snapshot()
    response = as_admin.post(import_url(team), {"files": uploads(*GOOD)})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "files" in response.context["form"].errors
    assert snapshot() == before


def test_no_files_is_a_form_error(as_admin, team):
    response = as_admin.post(import_url(team), {})
    assert "files" in response.context["form"].errors
    assert response.context["report"] is None


@pytest.mark.parametrize(("client", "status"), [("as_member", 403), ("as_observer", 403)])
def test_only_admins_import(client, status, team, team_admin, team_member, team_observer, request):
    c = request.getfixturevalue(client)
    assert c.get(import_url(team)).status_code == status
    before = snapshot()
    assert c.post(import_url(team), {"files": uploads(*GOOD)}).status_code == status
    assert snapshot() == before


def test_outsiders_cannot_import(as_outsider, anon, team, team_admin):
    before = snapshot()
    assert as_outsider.post(import_url(team), {"files": uploads(*GOOD)}).status_code == 404
    response = anon.post(import_url(team), {"files": uploads(*GOOD)})
    assert response["Location"].startswith("/accounts/login/")
    assert snapshot() == before


@pytest.mark.parametrize("client", ["as_member", "as_admin"])
def test_the_zip_costs_the_same_queries_for_any_number_of_days(
    client, team, day, member, log, request, django_assert_num_queries
):
    """Days are read with their record prefetched (catalogue.member_days): the zip of a
    whole course must not cost queries per day."""
    c = request.getfixturevalue(client)
    with CaptureQueriesContext(connection) as one_day:
        c.get(zip_url(team, member))
    for n in range(2, 6):
        later = DayFactory(team=team, number=n, date=day.date + datetime.timedelta(days=n))
        MemberLogFactory(day=later, member=member)
    with django_assert_num_queries(len(one_day)):
        response = c.get(zip_url(team, member))
    assert len([name for name in zip_entries(response.content) if "_day" in name]) == 5
