"""What a member's post is, as the exporter writes it: the one place publishing asks."""

from ..jekyll import export
from ..models import Day, Membership


def post_for(day: Day, member: Membership) -> tuple[str, str]:
    """(file name, text) of the member's post of the day."""
    member_post = getattr(export, "member_post", None)
    if member_post is not None:
        post = member_post(day, member)
        return post.filename, post.text
    return export.post_filename(day, member), export.render_post(day, member)
