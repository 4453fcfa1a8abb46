"""Follow-up display helpers for item templates. (The record's carried-over list and
the home page's open items are fetched by their views, not from templates.)"""

from django import template

from ..followups import overdue
from ..schedule import local_today

register = template.Library()


@register.simple_tag
def is_overdue(item, team) -> bool:
    """Whether an action item is open past its due date, by the team's today."""
    due = getattr(item, "due_date", None)
    return overdue(due, resolved=item.is_resolved, today=local_today(team))
