"""Follow-ups on other pages: carried over on a day's record, a member's own on home.

Both tags run a fixed number of queries (two for the record, one for each home card)
however many follow-ups are open; pages load them with `{% load followup_tags %}`.
"""

from django import template

from .. import followups
from ..forms.followups import attach_resolve_forms
from ..schedule import local_today

register = template.Library()

HOME_SHOWN = 5  # a home card lists this many of the member's open items, then a link


@register.inclusion_tag("peer/followups/_carried_over.html", takes_context=True)
def carried_over(context, day, membership):
    """The open follow-ups from the team's earlier days (and those resolved on this
    day's date), with a resolve form for each open one when the reader may write."""
    items = followups.carried_over(day)
    can_write = membership.can_write
    attach_resolve_forms(items, can_write=can_write)
    request = context.get("request")
    return {
        "team": day.team,
        "membership": membership,
        "day": day,
        "items": items,
        "can_write": can_write,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request else "",
    }


@register.inclusion_tag("peer/followups/_mine.html")
def my_open_items(membership):
    """The member's own open follow-ups in one team: one query."""
    items = followups.open_for_member(membership)
    return {
        "team": membership.team,
        "membership": membership,
        "items": items[:HOME_SHOWN],
        "more": max(len(items) - HOME_SHOWN, 0),
        "total": len(items),
    }


@register.simple_tag
def is_overdue(item, team) -> bool:
    """Whether an action item is open past its due date, by the team's today."""
    due = getattr(item, "due_date", None)
    return due is not None and not item.is_resolved and due < local_today(team)
