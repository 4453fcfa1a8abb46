"""Studylog's pages, all under /teams/<team>/ except accounts and invitations."""

from django.urls import path, register_converter

from .converters import IsoDateConverter
from .views import (
    archive,
    calendar,
    closing,
    days,
    edit,
    followups,
    history,
    logs,
    preview,
    publish,
    reviews,
    schedule,
    search,
    stats,
    teams,
)

register_converter(IsoDateConverter, "isodate")

app_name = "peer"

day = "teams/<slug:team>/days/<isodate:date>/"
item = day + "items/<str:kind>/"

urlpatterns = [
    path("", teams.home, name="home"),
    path("accounts/signup/", teams.signup, name="signup"),
    path("teams/new/", teams.team_create, name="team_create"),
    path("invite/<str:token>/", teams.invitation_accept, name="invitation_accept"),
    path("teams/<slug:team>/", teams.team_home, name="team"),
    path("teams/<slug:team>/settings/", teams.team_settings, name="team_settings"),
    path("teams/<slug:team>/members/", teams.members, name="members"),
    path("teams/<slug:team>/members/<int:member>/", teams.member_edit, name="member_edit"),
    path("teams/<slug:team>/invitations/", teams.invitation_create, name="invitation_create"),
    path("teams/<slug:team>/preview/", preview.markdown_preview, name="markdown_preview"),
    path("teams/<slug:team>/upload/", preview.markdown_upload, name="markdown_upload"),
    path("teams/<slug:team>/schedule/", schedule.schedule_page, name="schedule"),
    path("teams/<slug:team>/schedule/swap/", schedule.swap_dates, name="schedule_swap"),
    path("teams/<slug:team>/schedule/substitute/", schedule.substitute, name="schedule_substitute"),
    path("teams/<slug:team>/schedule/skip/", schedule.skip_date, name="schedule_skip"),
    path(
        "teams/<slug:team>/schedule/skip/<int:pk>/delete/",
        schedule.unskip_date,
        name="schedule_unskip",
    ),
    path("teams/<slug:team>/calendar/", calendar.calendar_settings, name="calendar"),
    path("teams/<slug:team>/calendar/revoke/", calendar.revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar_feed"),
    path("teams/<slug:team>/import/", publish.import_page, name="import_posts"),
    path(
        "teams/<slug:team>/members/<int:member>/posts.zip",
        publish.export_zip,
        name="member_posts_zip",
    ),
    path("teams/<slug:team>/days/", days.archive, name="archive"),
    path("teams/<slug:team>/search/", search.search, name="search"),
    path("teams/<slug:team>/days/<int:year>/", archive.year, name="archive_year"),
    path("teams/<slug:team>/days/<int:year>/<int:month>/", archive.month, name="archive_month"),
    path("teams/<slug:team>/weeks/<isodate:date>/", archive.week, name="archive_week"),
    path("teams/<slug:team>/decisions/", archive.decisions, name="decisions"),
    path("teams/<slug:team>/follow-ups/", followups.follow_up_list, name="follow_ups"),
    path(
        "teams/<slug:team>/follow-ups/<str:kind>/<int:pk>/resolve/",
        followups.resolve,
        name="follow_up_resolve",
    ),
    path(
        "teams/<slug:team>/follow-ups/<str:kind>/<int:pk>/reopen/",
        followups.reopen,
        name="follow_up_reopen",
    ),
    path("teams/<slug:team>/mentoring/", followups.mentor_queue, name="mentor_queue"),
    path(
        "teams/<slug:team>/mentoring/<int:pk>/answer/",
        followups.mentor_answer,
        name="mentor_answer",
    ),
    path("teams/<slug:team>/stats/", stats.team_stats, name="stats"),
    path("teams/<slug:team>/stats/<slug:table>.csv", stats.stats_csv, name="stats_csv"),
    path("teams/<slug:team>/members/<int:member>/stats/", stats.member_stats, name="member_stats"),
    path("teams/<slug:team>/days/new/", days.day_create, name="day_create"),
    path(day, days.day_record, name="day"),
    path(day + "edit/", edit.day_edit, name="day_edit"),
    path(day + "delete/", days.day_delete, name="day_delete"),
    path(day + "state/", edit.day_state, name="day_state"),
    path(day + "session/", edit.session_panel, name="session"),
    path(day + "session/edit/", edit.session_edit, name="session_edit"),
    path(day + "log/", logs.log_edit, name="log_edit"),
    path(day + "close/", closing.close_day, name="day_close"),
    path(day + "reopen/", closing.reopen_day, name="day_reopen"),
    path(day + "history/", history.day_history, name="day_history"),
    path(day + "history/<int:pk>/restore/", history.restore, name="revision_restore"),
    path(day + "reviews/suggest/", reviews.suggest, name="reviews_suggest"),
    path(day + "reviews/assign/", reviews.assign, name="reviews_assign"),
    path(item, edit.item_list, name="item_list"),
    path(item + "new/", edit.item_create, name="item_create"),
    path(item + "<int:pk>/", edit.item_detail, name="item"),
    path(item + "<int:pk>/edit/", edit.item_edit, name="item_edit"),
    path(item + "<int:pk>/delete/", edit.item_delete, name="item_delete"),
    path(item + "<int:pk>/move/", edit.item_move, name="item_move"),
    path(day + "<int:member>/", days.member_record, name="member_day"),
    path(day + "<int:member>/export.md", publish.export_post, name="member_export"),
]
