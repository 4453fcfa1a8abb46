"""Django admin for every Studylog model."""

from django.contrib import admin

from . import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    fields = ["display_name", "user", "role", "is_active", "rotation_order"]
    raw_id_fields = ["user"]


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "course", "mentor", "language"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["display_name", "team", "user", "role", "is_active", "rotation_order"]
    list_filter = ["role", "is_active", "team"]
    search_fields = ["display_name", "user__username"]
    raw_id_fields = ["user"]


@admin.register(models.Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["team", "role", "member", "created_at", "accepted_at"]
    list_filter = ["team"]
    readonly_fields = ["token"]


class AttendanceInline(admin.TabularInline):
    model = models.Attendance
    extra = 0


@admin.register(models.Day)
class DayAdmin(admin.ModelAdmin):
    list_display = ["date", "number", "team", "moderator", "version"]
    list_filter = ["team"]
    date_hierarchy = "date"
    search_fields = ["title", "tags"]
    inlines = [AttendanceInline]


class DayItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "day", "position", "version"]
    list_filter = ["day__team"]
    raw_id_fields = ["day"]


@admin.register(models.Suggestion)
class SuggestionAdmin(DayItemAdmin):
    list_display = DayItemAdmin.list_display + ["status"]


@admin.register(models.AssignmentReview)
class AssignmentReviewAdmin(DayItemAdmin):
    filter_horizontal = ["presenters"]


@admin.register(models.Question)
class QuestionAdmin(DayItemAdmin):
    list_display = DayItemAdmin.list_display + ["needs_follow_up"]


@admin.register(models.FreeSection)
class FreeSectionAdmin(DayItemAdmin):
    pass


class StudyLinkInline(admin.TabularInline):
    model = models.StudyLink
    extra = 0


@admin.register(models.MemberLog)
class MemberLogAdmin(admin.ModelAdmin):
    list_display = ["day", "member", "visibility", "version"]
    list_filter = ["visibility", "day__team"]
    raw_id_fields = ["day", "member"]
    inlines = [StudyLinkInline]


@admin.register(models.StudyLink)
class StudyLinkAdmin(admin.ModelAdmin):
    list_display = ["title", "url", "color", "log"]
    raw_id_fields = ["log"]
