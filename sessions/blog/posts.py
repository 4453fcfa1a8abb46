"""What a member's post is, as the exporter writes it: the one place publishing asks."""

from ..jekyll.export import member_post
from ..models import Day, Membership


def post_for(day: Day, member: Membership, *, assets_folder: str) -> tuple[str, str, list]:
    """(file name, text, images) of the member's post of the day: the images pasted into
    it, as (path from the blog's root, bytes), with the text's links pointing at them."""
    post = member_post(day, member)
    text, images = post.with_images(day.team, assets_dir=assets_folder)
    return post.filename, text, images
