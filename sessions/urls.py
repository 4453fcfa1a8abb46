"""Studylog's pages, all under /teams/<team>/ except accounts and invitations."""

from django.urls import include, path, register_converter

from .blog import views as blog
from .converters import IsoDateConverter, TokenConverter
from .views import (
    accounts,
    archive,
    calendar,
    closing,
    comments,
    days,
    edit,
    followups,
    history,
    invitations,
    logs,
    present,
    preview,
    publish,
    reviews,
    schedule,
    search,
    stats,
    teams,
    templates,
    tokens,
    webhooks,
)

register_converter(IsoDateConverter, "isodate")
register_converter(TokenConverter, "token")

app_name = "peer"

# Nested by prefix: a request is matched against one group at a time, so the pages a
# team opens all day resolve in a handful of tries instead of scanning the whole list.

item_patterns = [
    path("", edit.item_list, name="item_list"),
    path("new/", edit.item_create, name="item_create"),
    path("<int:pk>/", edit.item_detail, name="item"),
    path("<int:pk>/edit/", edit.item_edit, name="item_edit"),
    path("<int:pk>/delete/", edit.item_delete, name="item_delete"),
    path("<int:pk>/move/", edit.item_move, name="item_move"),
]

day_patterns = [
    path("", days.day_record, name="day"),
    path("<int:member>/", days.member_record, name="member_day"),
    path("<int:member>/export.md", publish.export_post, name="member_export"),
    path("<int:member>/blog/", blog.post_status, name="blog_post"),
    path("<int:member>/blog/publish/", blog.publish, name="blog_publish"),
    path("<int:member>/blog/resolve/", blog.resolve, name="blog_resolve"),
    path("edit/", edit.day_edit, name="day_edit"),
    path("delete/", days.day_delete, name="day_delete"),
    path("state/", edit.day_state, name="day_state"),
    path("session/", edit.session_panel, name="session"),
    path("session/edit/", edit.session_edit, name="session_edit"),
    path("log/", logs.log_edit, name="log_edit"),
    path("logs/<int:member>/", logs.member_log_edit, name="member_log_edit"),
    path("close/", closing.close_day, name="day_close"),
    path("reopen/", closing.reopen_day, name="day_reopen"),
    path("history/", history.day_history, name="day_history"),
    path("present/", present.present, name="present"),
    path("present/position/", present.present_position, name="present_position"),
    path("history/<int:pk>/restore/", history.restore, name="revision_restore"),
    path("reviews/suggest/", reviews.suggest, name="reviews_suggest"),
    path("reviews/assign/", reviews.assign, name="reviews_assign"),
    path("items/<str:kind>/", include(item_patterns)),
    path("comments/", comments.comment_create, name="comment_create"),
    path("comments/<int:pk>/edit/", comments.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", comments.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/hide/", comments.comment_hide, name="comment_hide"),
]

team_patterns = [
    path("days/<isodate:date>/", include(day_patterns)),
    path("days/", days.archive, name="archive"),
    path("search/", search.search, name="search"),
    path("", teams.team_home, name="team"),
    path("days/new/", days.day_create, name="day_create"),
    path("days/<int:year>/", archive.year, name="archive_year"),
    path("days/<int:year>/<int:month>/", archive.month, name="archive_month"),
    path("weeks/<isodate:date>/", archive.week, name="archive_week"),
    path("weeks/<isodate:date>/retro/", archive.week_retro, name="week_retro"),
    path("weeks/<isodate:date>/post.md", archive.week_post, name="week_post"),
    path("decisions/", archive.decisions, name="decisions"),
    path("comments/<int:pk>/", comments.comment_jump, name="comment"),
    path("mentions/seen/", comments.mentions_seen, name="mentions_seen"),
    path("follow-ups/", followups.follow_up_list, name="follow_ups"),
    path("follow-ups/<str:kind>/<int:pk>/resolve/", followups.resolve, name="follow_up_resolve"),
    path("follow-ups/<str:kind>/<int:pk>/reopen/", followups.reopen, name="follow_up_reopen"),
    path("mentoring/", followups.mentor_queue, name="mentor_queue"),
    path("mentoring/<int:pk>/answer/", followups.mentor_answer, name="mentor_answer"),
    path("stats/", stats.team_stats, name="stats"),
    path("stats/<slug:table>.csv", stats.stats_csv, name="stats_csv"),
    path("settings/", teams.team_settings, name="team_settings"),
    path("webhooks/", webhooks.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook"),
    path("webhooks/<int:pk>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery>/resend/",
        webhooks.delivery_resend,
        name="webhook_resend",
    ),
    path("templates/", templates.template_list, name="day_templates"),
    path("templates/new/", templates.template_create, name="day_template_create"),
    path("templates/<int:pk>/", templates.template_edit, name="day_template_edit"),
    path("templates/<int:pk>/retire/", templates.template_retire, name="day_template_retire"),
    path("members/", teams.members, name="members"),
    path("members/<int:member>/", teams.member_edit, name="member_edit"),
    path("members/<int:member>/stats/", stats.member_stats, name="member_stats"),
    path("members/<int:member>/posts.zip", publish.export_zip, name="member_posts_zip"),
    path("invitations/", invitations.invitation_create, name="invitation_create"),
    path("invitations/email/", invitations.invitation_send, name="invitation_send"),
    path("join-link/", invitations.join_link_create, name="join_link_create"),
    path("join-link/revoke/", invitations.join_link_revoke, name="join_link_revoke"),
    path("preview/", preview.markdown_preview, name="markdown_preview"),
    path("upload/", preview.markdown_upload, name="markdown_upload"),
    path("images/", include("sessions.images.urls")),
    path("schedule/", schedule.schedule_page, name="schedule"),
    path("schedule/swap/", schedule.swap_dates, name="schedule_swap"),
    path("schedule/substitute/", schedule.substitute, name="schedule_substitute"),
    path("schedule/skip/", schedule.skip_date, name="schedule_skip"),
    path("schedule/skip/<int:pk>/delete/", schedule.unskip_date, name="schedule_unskip"),
    path("calendar/", calendar.calendar_settings, name="calendar"),
    path("calendar/revoke/", calendar.revoke, name="calendar_revoke"),
    path("import/", publish.import_page, name="import_posts"),
]

urlpatterns = [
    path("", teams.home, name="home"),
    path("accounts/signup/", teams.signup, name="signup"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("accounts/blog/", include("sessions.blog.urls")),
    path("accounts/tokens/", tokens.tokens, name="api_tokens"),
    path("accounts/tokens/<int:pk>/revoke/", tokens.revoke, name="api_token_revoke"),
    path("teams/new/", teams.team_create, name="team_create"),
    path("teams/<slug:team>/", include(team_patterns)),
    path("invite/<token:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("join/<token:token>/", invitations.join, name="join"),
    path("calendar/<token:token>.ics", calendar.feed, name="calendar_feed"),
]
