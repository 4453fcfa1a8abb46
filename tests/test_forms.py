"""Forms: what they refuse, with the message on the right field and the input kept.

A view saves only when its form is valid, so "invalid" here means "nothing saved";
each refusal also checks that what the user typed is still there to correct.
"""

import datetime

import pytest

from sessions.forms.day import DayForm, SessionForm
from sessions.forms.items import QuestionForm, ReviewForm, SuggestionForm
from sessions.forms.logs import StudyLinkFormSet
from sessions.forms.teams import MemberForm, TeamForm
from sessions.models import AssignmentReview, MemberLog, Membership, Question, Suggestion
from sessions.models.validators import RESERVED_SLUGS

from .factories import (
    DayFactory,
    MemberLogFactory,
    MembershipFactory,
    QuestionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def question_form(day, **data):
    return QuestionForm(
        {"question": "질문입니다", "version": "0", **data},
        team=day.team,
        instance=Question(day=day),
    )


# QuestionForm and the other item forms


def test_question_with_a_javascript_link_is_refused_and_keeps_the_input(day):
    typed = "파이썬 문서 https://docs.python.org/ko/3/\n나쁜 링크 javascript:alert(1)"
    form = question_form(day, links=typed)

    assert not form.is_valid()
    assert list(form.errors) == ["links"]
    assert "2" in form.errors["links"][0]  # names the offending line
    assert form.data["links"] == typed
    assert form["links"].value() == typed  # re-rendered as typed
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "line",
    ["ftp://example.com/file", "www.example.com", "data:text/html,x", "/relative/path"],
)
def test_question_links_must_be_web_urls(day, line):
    form = question_form(day, links=line)
    assert not form.is_valid()
    assert "links" in form.errors


def test_question_with_web_links_is_valid(day):
    form = question_form(day, links="문서 https://docs.python.org/\n\nhttp://example.com/a")
    assert form.is_valid(), form.errors


def test_asked_by_from_another_team_is_an_invalid_choice(day, outsider):
    stranger = outsider.memberships.get()
    form = question_form(day, asked_by=str(stranger.pk), answered_by=str(stranger.pk))

    assert not form.is_valid()
    assert set(form.errors) == {"asked_by", "answered_by"}
    assert form.errors.as_data()["asked_by"][0].code == "invalid_choice"
    assert form.data["asked_by"] == str(stranger.pk)


def test_asked_by_from_the_team_is_accepted(day, team_member):
    mine = team_member.memberships.get()
    form = question_form(day, asked_by=str(mine.pk))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["asked_by"] == mine


def test_review_presenters_only_from_the_team(day, team_member, outsider):
    data = {
        "assignment": "과제 1",
        "version": "0",
        "presenters": [str(team_member.memberships.get().pk), str(outsider.memberships.get().pk)],
    }
    form = ReviewForm(data, team=day.team, instance=AssignmentReview(day=day))
    assert not form.is_valid()
    assert list(form.errors) == ["presenters"]


@pytest.mark.parametrize("field", ["question", "answer", "links"])
def test_nul_byte_in_a_text_field_is_refused(day, field):
    typed = "널\x00문자"
    form = question_form(day, **{field: typed})
    assert not form.is_valid()
    assert field in form.errors
    assert form.data[field] == typed


def test_nul_byte_in_a_suggestion_is_refused(day):
    form = SuggestionForm(
        {"proposal": "제안\x00", "status": "proposed", "version": "0"},
        team=day.team,
        instance=Suggestion(day=day),
    )
    assert not form.is_valid()
    assert list(form.errors) == ["proposal"]


def test_versioned_form_renders_the_current_version(day):
    item = QuestionFactory(day=day, version=4)
    assert QuestionForm(team=day.team, instance=item)["version"].value() == 4
    assert QuestionForm(team=day.team, instance=Question(day=day))["version"].value() == 0


# DayForm


def day_data(**changes):
    # 2024 is far from today's clock: confirmed, as a person would (sessions/forms/dates.py).
    data = {"date": "2024-03-04", "number": "2", "title": "", "tags": "", **changes}
    return {"date_confirm": data["date"], **data}


def test_second_day_on_the_same_date_is_refused(day):
    form = DayForm(day_data(date=day.iso), team=day.team)
    assert not form.is_valid()
    assert list(form.errors) == ["date"]
    assert form.data["date"] == day.iso


def test_same_date_is_fine_for_another_team(day):
    form = DayForm(day_data(date=day.iso), team=TeamFactory())
    assert form.is_valid(), form.errors


def test_editing_a_day_may_keep_its_own_date(day):
    form = SessionForm(day_data(date=day.iso, number="1", version="1"), instance=day, team=day.team)
    assert form.is_valid(), form.errors


def test_the_session_form_cannot_move_a_day_to_another_date(day):
    # The date is the day's address, which every open editor polls: it is not editable
    # from the session panel, so a posted date is ignored.
    other = DayFactory(team=day.team, date=datetime.date(2024, 3, 5), number=2)
    form = SessionForm(
        day_data(date=day.date.isoformat(), version="1"), instance=other, team=day.team
    )
    assert "date" not in form.fields
    assert form.is_valid(), form.errors
    form.save()
    other.refresh_from_db()
    assert other.date == datetime.date(2024, 3, 5)


def test_day_number_zero_is_refused(team):
    form = DayForm(day_data(number="0"), team=team)
    assert not form.is_valid()


def test_moderator_from_another_team_is_refused(team, outsider):
    form = DayForm(day_data(moderator=str(outsider.memberships.get().pk)), team=team)
    assert not form.is_valid()
    assert list(form.errors) == ["moderator"]


# StudyLinkFormSet


def links_data(*rows):
    data = {"links-TOTAL_FORMS": str(len(rows)), "links-INITIAL_FORMS": "0"}
    for index, (title, url) in enumerate(rows):
        data.update(
            {
                f"links-{index}-title": title,
                f"links-{index}-url": url,
                f"links-{index}-color": "red",
            }
        )
    return data


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT://example.com/%0Aalert(1)",
        "ftp://example.com/file",
        "ftps://example.com/file",
        "data:text/html,hi",
    ],
)
def test_study_link_must_be_http(day, team_member, url):
    log = MemberLog(day=day, member=team_member.memberships.get())
    formset = StudyLinkFormSet(
        links_data(("정리", "https://example.com"), ("나쁜 링크", url)),
        instance=log,
        prefix="links",
    )
    assert not formset.is_valid()
    assert formset.errors[0] == {}
    assert list(formset.errors[1]) == ["url"]
    assert formset.forms[1]["url"].value() == url


def test_study_links_over_the_limit_are_refused(day):
    log = MemberLogFactory(day=day)
    rows = [(f"링크 {n}", f"https://example.com/{n}") for n in range(31)]
    formset = StudyLinkFormSet(links_data(*rows), instance=log, prefix="links")
    assert not formset.is_valid()
    assert formset.non_form_errors()


def test_http_study_links_are_valid(day):
    log = MemberLogFactory(day=day)
    formset = StudyLinkFormSet(
        links_data(("강의", "https://example.com/a"), ("블로그", "HTTP://example.com/b")),
        instance=log,
        prefix="links",
    )
    assert formset.is_valid(), formset.errors


# MemberForm


def member_data(**changes):
    data = {"display_name": "새멤버", "role": "member", "is_active": "on", "rotation_order": "0"}
    return {**data, **changes}


def test_duplicate_display_name_is_refused(team, team_member):
    for typed in ["이멤버", "  이멤버  "]:
        form = MemberForm(member_data(display_name=typed), team=team)
        assert not form.is_valid()
        assert list(form.errors) == ["display_name"]
        assert form.data["display_name"] == typed
    assert team.memberships.filter(display_name="이멤버").count() == 1


def test_blank_display_name_is_refused(team):
    form = MemberForm(member_data(display_name="   "), team=team)
    assert not form.is_valid()
    assert "display_name" in form.errors


def test_display_name_used_in_another_team_is_fine(team, outsider):
    form = MemberForm(member_data(display_name="최외부"), team=team)
    assert form.is_valid(), form.errors
    member = form.save()
    assert (member.team, member.user, member.display_name) == (team, None, "최외부")


def test_member_may_keep_its_own_name(team, team_member):
    mine = team_member.memberships.get()
    form = MemberForm(member_data(display_name="이멤버"), instance=mine, team=team)
    assert form.is_valid(), form.errors


def test_renaming_onto_another_members_name_is_refused(team, team_admin, team_member):
    mine = team_member.memberships.get()
    form = MemberForm(member_data(display_name="김관리"), instance=mine, team=team)
    assert not form.is_valid()
    assert Membership.objects.get(pk=mine.pk).display_name == "이멤버"


# TeamForm


def team_data(**changes):
    return {"name": "감마팀", "slug": "gamma", "course": "boostcourse", "language": "ko", **changes}


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS) + ["New", "ADMIN"])
def test_reserved_slugs_are_refused(db, slug):
    form = TeamForm(team_data(slug=slug))
    assert not form.is_valid()
    assert list(form.errors) == ["slug"]
    assert form.data["slug"] == slug


def test_slug_is_lowercased_and_unique(team):
    form = TeamForm(team_data(slug="Gamma-2"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["slug"] == "gamma-2"

    clash = TeamForm(team_data(slug="ALPHA"))
    assert not clash.is_valid()
    assert list(clash.errors) == ["slug"]


@pytest.mark.parametrize("slug", ["한글팀", "with space", "a/b"])
def test_slug_must_be_ascii_slug(db, slug):
    form = TeamForm(team_data(slug=slug))
    assert not form.is_valid()
    assert "slug" in form.errors


def test_memberships_of_a_team_are_all_offered(team, team_admin, team_member, team_observer):
    name_only = MembershipFactory(team=team, user=None, display_name="정이름")
    form = QuestionForm(team=team, instance=Question(day=DayFactory(team=team)))
    assert set(form.fields["asked_by"].queryset) == set(team.memberships.all())
    assert name_only in form.fields["asked_by"].queryset
