"""Session dates: far-off dates are confirmed or refused, dates show their year when it is
not the current one, day numbers follow date order, and webhook URLs are checked when
saved."""

import datetime
import socket
from ipaddress import ip_address

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from sessions import dates, history, schedule, services
from sessions.jekyll.export import post_filename
from sessions.models import Attendance, Day, PostSource, Revision, SkippedDate, Team

from .factories import DayFactory

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)
TODAY = datetime.date(2024, 3, 11)  # a Monday


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(schedule, "local_today", lambda team: TODAY)


def new_day(as_client, date, **changes):
    body = {"date": str(date), "number": "", "moderator": "", "title": "먼 날", "tags": "그래프"}
    return as_client.post(reverse("peer:day_create", args=["alpha"]), body | changes)


def counts():
    return Day.objects.count(), Attendance.objects.count(), Revision.objects.count()


# --- far-off dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    "date",
    [TODAY + dates.FAR_AHEAD + ONE_DAY, datetime.date(2027, 3, 4), TODAY - 400 * ONE_DAY],
)
def test_a_far_date_asks_to_be_confirmed_and_saves_nothing(day, as_member, date):
    before = counts()
    response = new_day(as_member, date)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["date"][0].startswith(date.isoformat())
    html = response.content.decode()
    # The message beside the date, the box right after it, what was typed kept.
    assert html.index('id="id_date_error"') < html.index('name="date_confirm"')
    assert f'name="date_confirm" value="{date.isoformat()}"' in html
    assert 'value="먼 날"' in html and f'value="{date.isoformat()}"' in html
    assert counts() == before

    confirmed = new_day(as_member, date, date_confirm=date.isoformat())
    assert confirmed.status_code == 302
    assert Day.objects.get(team=day.team, date=date).title == "먼 날"


def test_the_confirmation_is_for_the_date_it_was_given_for(day, as_member):
    first, second = TODAY + 100 * ONE_DAY, TODAY + 200 * ONE_DAY
    response = new_day(as_member, second, date_confirm=first.isoformat())
    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    assert not Day.objects.filter(date__in=[first, second]).exists()


def test_a_confirmed_far_date_stays_ticked_when_another_field_fails(day, as_member):
    date = TODAY + 100 * ONE_DAY
    response = new_day(as_member, date, date_confirm=date.isoformat(), moderator="99999")
    assert list(response.context["form"].errors) == ["moderator"]
    assert f'value="{date.isoformat()}" id="id_date_confirm" checked' in response.content.decode()


@pytest.mark.parametrize(
    "date", [datetime.date(1999, 12, 31), datetime.date(1900, 1, 1), TODAY + 5 * 366 * ONE_DAY]
)
def test_a_date_outside_the_range_is_refused_even_confirmed(day, as_member, date):
    before = counts()
    response = new_day(as_member, date, date_confirm=date.isoformat())
    assert response.status_code == 200
    assert "2000-01-01" in response.context["form"].errors["date"][0]
    assert "date_confirm" not in response.content.decode()
    assert counts() == before


def test_a_near_date_needs_no_confirmation(day, as_member):
    for date in (TODAY + dates.FAR_AHEAD, TODAY - dates.FAR_BACK):
        assert new_day(as_member, date).status_code == 302
    html = new_day(as_member, TODAY).content.decode()  # today is taken now: an error
    assert "date_confirm" not in html


def test_the_new_day_page_shows_no_box_until_it_is_needed(day, as_member):
    response = as_member.get(reverse("peer:day_create", args=["alpha"]))
    assert "date_confirm" not in response.content.decode()


@pytest.fixture
def calendar_team(day):
    team = day.team
    team.starts_on = datetime.date(2024, 3, 4)
    team.save()
    return team


def test_skipping_a_far_date_asks_first(calendar_team, as_admin):
    far = TODAY + 14 * 7 * ONE_DAY  # a Monday, 98 days ahead
    url = reverse("peer:schedule_skip", args=["alpha"])
    body = {"skip-date": far.isoformat(), "skip-reason": "방학"}
    response = as_admin.post(url, body)
    assert response.status_code == 200
    assert "date" in response.context["skip_form"].errors
    assert 'value="방학"' in response.content.decode()
    assert not SkippedDate.objects.exists()
    as_admin.post(url, body | {"skip-date_confirm": far.isoformat()})
    assert SkippedDate.objects.get().date == far


def test_swapping_with_a_far_date_asks_first(calendar_team, as_admin):
    far = TODAY + 14 * 7 * ONE_DAY
    url = reverse("peer:schedule_swap", args=["alpha"])
    body = {"swap-first": TODAY.isoformat(), "swap-second": far.isoformat()}
    response = as_admin.post(url, body)
    assert response.status_code == 200
    assert list(response.context["swap_form"].errors) == ["second"]
    refused = as_admin.post(url, body | {"swap-second": "2031-03-03"})
    assert "second" in refused.context["swap_form"].errors
    from sessions.models import ModeratorAssignment

    assert not ModeratorAssignment.objects.exists()


# --- the year, when it is not this year ----------------------------------------------


@pytest.mark.parametrize(
    ("language", "date", "expected", "short"),
    [
        ("ko", datetime.date(2024, 3, 4), "3/4 (월요일)", "3/4"),
        ("ko", datetime.date(2023, 3, 4), "2023/3/4 (토요일)", "2023/3/4"),
        ("ko", datetime.date(2100, 3, 4), "2100/3/4 (목요일)", "2100/3/4"),
        ("en", datetime.date(2024, 3, 4), "3/4 (Mon)", "3/4"),
        ("en", datetime.date(2023, 3, 4), "3/4/2023 (Sat)", "3/4/2023"),
    ],
)
def test_a_date_shows_its_year_when_it_is_not_this_year(team, language, date, expected, short):
    template = Template("{% load studylog %}{{ d|day_date:team }}|{{ d|day_date_short:team }}")
    with translation.override(language):
        assert template.render(Context({"d": date, "team": team})) == f"{expected}|{short}"


def test_the_current_year_is_the_teams(team, monkeypatch):
    """On the 1st of January in Seoul, the server (UTC) may still be in December: the
    year is the team's."""
    monkeypatch.setattr(schedule, "local_today", lambda t: datetime.date(2025, 1, 1))
    template = Template("{% load studylog %}{{ d|day_date_short:team }}")
    with translation.override("en"):
        assert template.render(Context({"d": datetime.date(2025, 1, 2), "team": team})) == "1/2"
        assert (
            template.render(Context({"d": datetime.date(2024, 12, 31), "team": team}))
            == "12/31/2024"
        )


def test_lists_show_the_year_of_a_day_in_another_year(day, as_member, english):
    DayFactory(team=day.team, date=datetime.date(2100, 3, 4), number=2)
    archive = as_member.get(reverse("peer:archive", args=["alpha"])).content.decode()
    assert "3/4/2100 (Thu)" in archive  # the far day, with its year
    assert "3/4 (Mon)" in archive  # this year's day, without
    home = as_member.get(reverse("peer:team", args=["alpha"])).content.decode()
    assert "3/4/2100" in home


# --- day numbers follow date order ----------------------------------------------------


@pytest.fixture
def three_days(day):
    """Days 1-3 of a team without a first session day: 3/4, 3/6, 3/8."""
    DayFactory(team=day.team, date=datetime.date(2024, 3, 6), number=2)
    DayFactory(team=day.team, date=datetime.date(2024, 3, 8), number=3)
    return day.team


def numbers(team) -> dict[str, int]:
    return {d.date.isoformat()[5:]: d.number for d in Day.objects.filter(team=team)}


def test_a_backdated_day_takes_its_place_and_later_days_move_up(three_days, as_member):
    versions = dict(Day.objects.values_list("date", "version"))
    response = new_day(as_member, datetime.date(2024, 3, 5), number="4", **{"initial-number": "4"})
    assert response.status_code == 302
    assert numbers(three_days) == {"03-04": 1, "03-05": 2, "03-06": 3, "03-08": 4}
    for moved in (datetime.date(2024, 3, 6), datetime.date(2024, 3, 8)):
        row = Day.objects.get(date=moved)
        assert row.version == versions[moved] + 1  # an open editor gets a conflict
        assert Revision.objects.filter(object_id=row.pk).exists()  # history says so
        revision = Revision.objects.get(object_id=row.pk, kind=history.SESSION)
        assert revision.after == history.snapshot(row)  # the day as it now is
        assert revision.before == {**revision.after, "number": row.number - 1}
    # An exported post carries the new number.
    assert post_filename(Day.objects.get(date=datetime.date(2024, 3, 8))).endswith("_day4.md")


def test_the_form_proposes_the_place_in_date_order(three_days, as_member):
    url = reverse("peer:day_create", args=["alpha"])
    response = as_member.get(url, {"date": "2024-03-07"})
    assert response.context["form"]["number"].value() == 3
    assert as_member.get(url).context["form"]["number"].value() == 4  # today, after them all


def test_a_number_the_person_typed_is_kept(three_days, as_member):
    new_day(as_member, datetime.date(2024, 3, 10), number="10", **{"initial-number": "4"})
    assert numbers(three_days)["03-10"] == 10


def test_renumbering_stops_at_a_gap(day, as_member):
    DayFactory(team=day.team, date=datetime.date(2024, 3, 6), number=2)
    DayFactory(team=day.team, date=datetime.date(2024, 3, 8), number=5)
    new_day(as_member, datetime.date(2024, 3, 5))
    assert numbers(day.team) == {"03-04": 1, "03-05": 2, "03-06": 3, "03-08": 5}


def test_a_day_imported_from_a_post_keeps_its_number(three_days, as_member, team_member):
    imported = Day.objects.get(date=datetime.date(2024, 3, 6))
    PostSource.objects.create(
        day=imported,
        member=team_member.memberships.get(),
        filename="2024-03-06-boostcourse_day2.md",
        text="---\ntitle: Day2\n---\n",
        fingerprint="x",
    )
    new_day(as_member, datetime.date(2024, 3, 5))
    # The post says Day2: that day, and those after it, keep their numbers.
    assert numbers(three_days) == {"03-04": 1, "03-05": 2, "03-06": 2, "03-08": 3}


def test_a_calendar_team_numbers_by_the_calendar_and_moves_nothing(calendar_team, as_member):
    DayFactory(team=calendar_team, date=datetime.date(2024, 3, 8), number=5)
    new_day(as_member, datetime.date(2024, 3, 6))
    assert numbers(calendar_team) == {"03-04": 1, "03-06": 3, "03-08": 5}


def test_deleting_a_day_renumbers_nothing(three_days, as_admin):
    """Numbers are the days' own (a published post is named by its number): a deleted
    day leaves a gap, and numbers still follow date order."""
    as_admin.post(reverse("peer:day_delete", args=["alpha", "2024-03-06"]))
    assert numbers(three_days) == {"03-04": 1, "03-08": 3}


def test_the_number_follows_date_order_in_the_service(three_days):
    assert services.new_day_number(three_days, datetime.date(2024, 3, 7)) == 3
    assert services.new_day_number(three_days, datetime.date(2024, 3, 1)) == 1


# --- webhook URLs ---------------------------------------------------------------------


@pytest.fixture
def fake_dns(monkeypatch):
    """Names resolved without the network: one on a private network, one public."""
    names = {"hooks.internal.example": "10.0.0.7", "hooks.example.com": "93.184.216.34"}

    def getaddrinfo(host, port, *args, **kwargs):
        try:  # an address stands for itself, as with the real resolver
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (str(ip_address(host)), port))]
        except ValueError:
            pass
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def settings_body(team, webhook_url) -> dict:
    return {
        "name": team.name,
        "slug": team.slug,
        "course": team.course,
        "language": "ko",
        "calendar": "True",
        "session_weekdays": ["0", "1", "2", "3", "4"],
        "session_start": "16:00",
        "session_end": "17:30",
        "timezone": "Asia/Seoul",
        "rotation": "name",
        "webhook_url": webhook_url,
    }


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.internal.example/services/x",
        "http://127.0.0.1:8000/hook",
        "https://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_a_webhook_that_sending_would_refuse_is_refused_at_save(
    team, team_admin, as_admin, fake_dns, settings, url
):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    response = as_admin.post(
        reverse("peer:team_settings", args=["alpha"]), settings_body(team, url)
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["webhook_url"]
    assert f'value="{url}"' in response.content.decode()
    assert Team.objects.get(pk=team.pk).webhook_url == ""


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/services/x", "https://not-resolvable.example/hook"]
)
def test_a_public_or_not_yet_resolvable_webhook_is_saved(team, team_admin, as_admin, fake_dns, url):
    response = as_admin.post(
        reverse("peer:team_settings", args=["alpha"]), settings_body(team, url)
    )
    assert response.status_code == 302
    assert Team.objects.get(pk=team.pk).webhook_url == url


def test_saving_other_settings_does_not_look_the_webhook_up_again(
    team, team_admin, as_admin, monkeypatch
):
    Team.objects.filter(pk=team.pk).update(webhook_url="https://hooks.example.com/services/x")
    team.refresh_from_db()

    def no_resolver(*args, **kwargs):
        raise AssertionError("the unchanged webhook URL was resolved again")

    monkeypatch.setattr(socket, "getaddrinfo", no_resolver)
    body = settings_body(team, team.webhook_url) | {"rotation": "custom"}
    response = as_admin.post(reverse("peer:team_settings", args=["alpha"]), body)
    assert response.status_code == 302
    assert Team.objects.get(pk=team.pk).rotation == "custom"
