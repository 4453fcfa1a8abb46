"""Studylog's data: teams and their members, days, the items of a day, and members' logs."""

from .accounts import Profile
from .blog import BlogConnection, PublishedPost
from .comments import Comment, Mention
from .day import Attendance, Day
from .history import Revision
from .images import TeamImage
from .items import ActionItem, AssignmentReview, FreeSection, Question, Suggestion
from .logs import MemberLog, StudyLink
from .posts import PostSource
from .schedule import ImportedPost, ModeratorAssignment, ReminderLog, SkippedDate
from .search import SearchDoc
from .team import Invitation, JoinLink, Membership, Team
from .templates import DayTemplate, TemplateVersion
from .tokens import ApiToken
from .webhooks import WebhookDelivery, WebhookSubscription
from .weeks import WeekRetro

__all__ = [
    "ActionItem",
    "ApiToken",
    "AssignmentReview",
    "BlogConnection",
    "Comment",
    "Attendance",
    "Day",
    "DayTemplate",
    "ImportedPost",
    "FreeSection",
    "Invitation",
    "JoinLink",
    "Mention",
    "MemberLog",
    "PostSource",
    "Profile",
    "PublishedPost",
    "Membership",
    "ModeratorAssignment",
    "Question",
    "ReminderLog",
    "Revision",
    "SearchDoc",
    "SkippedDate",
    "StudyLink",
    "Suggestion",
    "Team",
    "TeamImage",
    "TemplateVersion",
    "WebhookDelivery",
    "WebhookSubscription",
    "WeekRetro",
]
