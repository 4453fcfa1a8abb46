"""Day templates: a team's admins keep them, a new day starts from one, and editing one
never changes a day made before (sessions/day_templates.py)."""

import datetime

import pytest
from django.urls import reverse

from sessions.jekyll.export import render_post
from sessions.jekyll.importer import IMPORTED, import_sources
from sessions.jekyll.sources import Source
from sessions.models import Day, DayTemplate, FreeSection, TemplateVersion
from sessions.models.templates import BUILT_IN_NAME, REVIEW_OUTLINE

from .factories import MemberLogFactory, ReviewFactory, TeamFactory
from .helpers import url

pytestmark = pytest.mark.django_db

SECTIONS = "## 지난 액션 아이템 확인\n- 어제 정한 것\n\n## 다음 피어세션 계획\n"


def template_body(**fields) -> dict:
    body = {
        "name": "발표 많은 날",
        "is_default": "",
        "sections": SECTIONS,
        "review_outline": "### 한 줄 요약\n\n### 질문",
        "retro_prompt": "- 오늘 배운 것",
        "minutes_suggestions": "5",
        "minutes_review": "12",
        "minutes_questions": "20",
        "minutes_actions": "3",
        "minutes_section": "5",
    }
    return body | fields


def new_day(client, date: str, template) -> Day:
    body = {"date": date, "number": "", "moderator": "", "title": "", "tags": ""}
    body["date_confirm"] = date  # far from today: confirmed (forms/dates.py)
    body["template"] = "" if template is None else str(template.pk)
    response = client.post(reverse("peer:day_create", args=["alpha"]), body)
    assert response.status_code == 302, response.content.decode()[:800]
    return Day.objects.get(team__slug="alpha", date=date)


def built_in(team) -> DayTemplate:
    return team.day_templates.get(name=BUILT_IN_NAME)


def test_every_team_starts_with_the_built_in_review_outline_as_its_default(team):
    [template] = team.day_templates.all()
    assert template.name == BUILT_IN_NAME and template.is_default
    outline = template.current.review_outline
    assert outline == REVIEW_OUTLINE
    assert [line for line in outline.splitlines() if line] == [
        "### 배경 & 흐름",
        "### 이전 모델 대비 개선점",
        "### Loss Function",
    ]


def test_a_new_day_picks_the_default_and_its_reviews_start_with_the_outline(team, as_admin):
    form = as_admin.get(reverse("peer:day_create", args=["alpha"])).context["form"]
    assert form["template"].value() == built_in(team).pk
    day = new_day(as_admin, "2024-05-02", built_in(team))
    assert day.template_version == built_in(team).current
    response = as_admin.get(url("item_create", day, kind="review"))
    assert "### 이전 모델 대비 개선점" in response.content.decode()
    # Other kinds start empty.
    question = as_admin.get(url("item_create", day, kind="question")).content.decode()
    assert "Loss Function" not in question


def test_a_template_makes_its_free_sections_and_shows_its_prompts(team, as_admin, team_admin):
    as_admin.post(reverse("peer:day_template_create", args=["alpha"]), template_body())
    template = team.day_templates.get(name="발표 많은 날")
    day = new_day(as_admin, "2024-05-03", template)
    sections = [(s.heading, s.body) for s in FreeSection.objects.filter(day=day)]
    assert sections == [("지난 액션 아이템 확인", "- 어제 정한 것"), ("다음 피어세션 계획", "")]
    record = as_admin.get(url("day", day)).content.decode()
    assert "지난 액션 아이템 확인" in record  # a section is a section like any other
    log_form = as_admin.get(url("log_edit", day)).content.decode()
    assert "오늘 배운 것" in log_form and "retro-prompt" in log_form


def test_editing_a_template_never_changes_a_day_made_before(team, as_admin):
    as_admin.post(reverse("peer:day_template_create", args=["alpha"]), template_body())
    template = team.day_templates.get(name="발표 많은 날")
    before = new_day(as_admin, "2024-05-06", template)
    edit = reverse("peer:day_template_edit", args=["alpha", template.pk])
    changed = template_body(sections="## 새 섹션\n", review_outline="### 바뀐 개요")
    assert as_admin.post(edit, changed).status_code == 302
    after = new_day(as_admin, "2024-05-07", template)

    before.refresh_from_db()
    assert before.template_version.number == 1
    assert before.template_version.review_outline == "### 한 줄 요약\n\n### 질문"
    assert [s.heading for s in before.freesections.all()] == [
        "지난 액션 아이템 확인",
        "다음 피어세션 계획",
    ]
    assert after.template_version.number == 2
    assert [s.heading for s in after.freesections.all()] == ["새 섹션"]
    review_form = as_admin.get(url("item_create", before, kind="review")).content.decode()
    assert "한 줄 요약" in review_form and "바뀐 개요" not in review_form


def test_a_rename_or_a_new_default_writes_no_new_version(team, as_admin):
    as_admin.post(reverse("peer:day_template_create", args=["alpha"]), template_body())
    template = team.day_templates.get(name="발표 많은 날")
    edit = reverse("peer:day_template_edit", args=["alpha", template.pk])
    as_admin.post(edit, template_body(name="발표 많은 날 (개정)", is_default="on"))
    template.refresh_from_db()
    assert template.name == "발표 많은 날 (개정)" and template.is_default
    assert template.versions.count() == 1
    assert not built_in(team).is_default  # one default per team


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ""),
        ("name", BUILT_IN_NAME),  # taken
        ("minutes_review", "-1"),
        ("minutes_review", "999"),
        ("minutes_questions", "열다섯"),
        ("review_outline", "가" * 2001),
    ],
)
def test_bad_input_is_refused_beside_its_field_keeping_what_was_typed(field, value, team, as_admin):
    before = (DayTemplate.objects.count(), TemplateVersion.objects.count())
    body = template_body(**{field: value})
    response = as_admin.post(reverse("peer:day_template_create", args=["alpha"]), body)
    assert response.status_code == 422
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert form[field].value() == value
    assert (DayTemplate.objects.count(), TemplateVersion.objects.count()) == before


def test_a_retired_template_leaves_the_choices_and_its_days_keep_it(team, as_admin):
    as_admin.post(reverse("peer:day_template_create", args=["alpha"]), template_body())
    template = team.day_templates.get(name="발표 많은 날")
    day = new_day(as_admin, "2024-05-08", template)
    retire = reverse("peer:day_template_retire", args=["alpha", template.pk])
    assert as_admin.post(retire).status_code == 302
    form = as_admin.get(reverse("peer:day_create", args=["alpha"])).context["form"]
    assert template not in form.fields["template"].queryset
    day.refresh_from_db()
    assert day.template_version.template == template
    listed = as_admin.get(reverse("peer:day_templates", args=["alpha"])).content.decode()
    assert "발표 많은 날" not in listed
    edit = reverse("peer:day_template_edit", args=["alpha", template.pk])
    assert as_admin.get(edit).status_code == 404


def test_a_day_can_start_empty(team, as_admin):
    day = new_day(as_admin, "2024-05-09", None)
    assert day.template_version is None and not day.freesections.exists()
    review_form = as_admin.get(url("item_create", day, kind="review")).content.decode()
    assert "Loss Function" not in review_form


def test_another_teams_template_cannot_be_picked(team, as_admin):
    other = TeamFactory(name="다른팀", slug="other")
    body = {"date": "2024-05-10", "number": "", "moderator": "", "title": "", "tags": ""}
    body |= {"date_confirm": "2024-05-10", "template": str(built_in(other).pk)}
    response = as_admin.post(reverse("peer:day_create", args=["alpha"]), body)
    assert response.status_code == 200
    assert "template" in response.context["form"].errors
    assert not Day.objects.filter(team=team, date="2024-05-10").exists()


def test_free_sections_are_read_from_their_headings():
    version = TemplateVersion(sections="서문은 버린다\n## 첫째\n본문 1\n\n본문 2\n##  \n## 둘째")
    assert version.section_list() == [("첫째", "본문 1\n\n본문 2"), ("둘째", "")]


def test_a_day_made_from_a_template_exports_and_imports_with_nothing_lost(
    team, team_admin, as_admin
):
    as_admin.post(reverse("peer:day_template_create", args=["alpha"]), template_body())
    day = new_day(as_admin, "2024-05-13", team.day_templates.get(name="발표 많은 날"))
    ReviewFactory(day=day, assignment="필수과제 2", notes=day.template_version.review_outline)
    section = day.freesections.first()
    section.body += "\n- 확인 완료"
    section.save()
    member = team_admin.memberships.get()
    MemberLogFactory(day=day, member=member, retrospective="- 오늘 배운 것: 템플릿")
    post = render_post(day, member)
    copy = TeamFactory(name="복사팀", slug="copy")
    source = Source("post.md", post.encode())
    report = import_sources(copy, [source], member_name=member.display_name)
    assert report.results[0].status == IMPORTED
    again = Day.objects.get(team=copy)
    assert again.date == datetime.date(2024, 5, 13)
    assert render_post(again, copy.memberships.get()).rstrip() == post.rstrip()
