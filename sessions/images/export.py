"""A post's own team images, for a Jekyll blog: the files to write beside the post and
the markdown with its links pointing at them.

Links are written as `{{ site.baseurl }}/assets/images/<post>/<key>.<ext>`: Jekyll
renders Liquid in posts before markdown, and `site.baseurl` is empty on a user or
organisation site and "/<repository>" on a project site, so one link works on both
(an absolute "/assets/…" would miss the repository's prefix on a project site, and a
path relative to the post would depend on the blog's permalink setting).
"""

import re

from ..models import TeamImage

DEFAULT_ASSETS_DIR = "assets/images"
# An uploaded image's address as the upload wrote it (`/teams/…`), or with this site's
# host in front when someone copied the full address. The team in the path may be an
# old address of the team: the key alone says whose image it is.
_IMAGE_URL = re.compile(
    r"(?:https?://[-a-zA-Z0-9.:\[\]]+)?/teams/[-a-zA-Z0-9_]+/images/"
    r"(?P<key>[-a-zA-Z0-9_]+)\.(?P<ext>[a-z]{3,4})\b"
)
_SAFE_SEGMENT = re.compile(r"[-\w.]+")


def _segments(path: str, what: str) -> str:
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts or any(p in (".", "..") or not _SAFE_SEGMENT.fullmatch(p) for p in parts):
        raise ValueError(f"unsafe {what}: {path!r}")
    return "/".join(parts)


def post_images(
    team, text: str, *, post_slug: str, assets_dir: str = DEFAULT_ASSETS_DIR
) -> tuple[str, list[tuple[str, bytes]]]:
    """`text` with each of `team`'s own image links pointing into the blog, and the
    files to write: (path from the blog's root, bytes), each image once, in the order
    they first appear. Another team's images, and any other link, are left as they are.
    One query, and none for a post without an uploaded image."""
    found = list(_IMAGE_URL.finditer(text))
    if not found:
        return text, []
    folder = f"{_segments(assets_dir, 'assets folder')}/{_segments(post_slug, 'post slug')}"
    keys = {m["key"] for m in found}
    images = {
        (key, ext): bytes(data)
        for key, ext, data in TeamImage.objects.for_team(team)
        .filter(key__in=keys)
        .values_list("key", "ext", "data")
    }
    files: dict[str, bytes] = {}

    def relink(match: re.Match) -> str:
        data = images.get((match["key"], match["ext"]))
        if data is None:
            return match[0]
        path = f"{folder}/{match['key']}.{match['ext']}"
        files.setdefault(path, data)
        return "{{ site.baseurl }}/" + path

    return _IMAGE_URL.sub(relink, text), list(files.items())
