"""Small helpers the view tests share: a day's URLs, htmx's request header, a user's
membership and a question's form body."""

from django.urls import reverse

from sessions.models import Membership

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, day=None, **kwargs) -> str:
    """`peer:<name>`, for `day` (its team and date) when given."""
    if day is not None:
        kwargs = {"team": day.team.slug, "date": day.date, **kwargs}
    return reverse(f"peer:{name}", kwargs=kwargs)


def membership_of(user) -> Membership:
    """The membership of a user who is in one team (the conftest cast)."""
    return user.memberships.get()


def question_body(**fields) -> dict:
    """A question form's POST body: every field empty unless given."""
    return {"question": "", "asked_by": "", "answer": "", "answered_by": "", "links": ""} | fields
