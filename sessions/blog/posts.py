"""What a member's post is, as the exporter writes it: the one place publishing asks."""

from collections import defaultdict

from ..images.export import images_in
from ..jekyll.export import member_post
from ..models import Day, Membership


def posts_for(
    wanted: list[tuple[Day, Membership]], *, assets_folder: str
) -> list[tuple[str, str, list]]:
    """(file name, text, images) of each member's post of the day, in order: the images
    pasted into it, as (path from the blog's root, bytes), with the text's links pointing
    at them. The images of all the posts are read in one query per team."""
    posts = [(day.team, member_post(day, member)) for day, member in wanted]
    texts = defaultdict(list)
    for team, post in posts:
        texts[team].append(post.text)
    found = {team: images_in(team, team_texts) for team, team_texts in texts.items()}
    return [
        (post.filename, *post.with_images(team, assets_dir=assets_folder, images=found[team]))
        for team, post in posts
    ]


def post_for(day: Day, member: Membership, *, assets_folder: str) -> tuple[str, str, list]:
    """posts_for of one post."""
    return posts_for([(day, member)], assets_folder=assets_folder)[0]
