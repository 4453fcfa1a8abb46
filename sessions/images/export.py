"""A post's own team images, for a Jekyll blog: the files to write beside the post and
the markdown with its links pointing at them.

Links are written as `<base_url>/assets/images/<post>/<key>.<ext>`, with `base_url`
empty by default: the usual blog is a GitHub Pages user site (<name>.github.io), served
from the root. A project site lives under "/<repository>": whoever knows the blog's
`baseurl` (the publisher reads it from the repository's _config.yml) passes it.
Not `{{ site.baseurl }}`: every text in a post is made inert for Liquid
(sessions/jekyll/inert.py), so an exported post imported again would come back with
that link escaped and broken; a plain path comes back, and goes out again, unchanged.
Not a path relative to the post either: that depends on the blog's permalink setting.
Call it on the finished post (after inert), whose links it rewrites.
"""

import re
from collections.abc import Iterable

from ..markdown import TEAM_IMAGE_PATH
from ..models import TeamImage

DEFAULT_ASSETS_DIR = "assets/images"
# An uploaded image's address as the upload wrote it (`/teams/…`), or with this site's
# host in front when someone copied the full address. The team in the path may be an
# old address of the team: the key alone says whose image it is.
_IMAGE_URL = re.compile(rf"(?:https?://[-a-zA-Z0-9.:\[\]]+)?{TEAM_IMAGE_PATH}\b")
_SAFE_SEGMENT = re.compile(r"[-\w.]+")
_UNSAFE_IN_SLUG = re.compile(r"[^-\w.]+")
_BASE_URL = re.compile(r"(?:https?://[-a-zA-Z0-9.:]+)?(?:/[-\w.~/]*)?")


def _segments(path: str, what: str) -> str:
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts or any(p in (".", "..") or not _SAFE_SEGMENT.fullmatch(p) for p in parts):
        raise ValueError(f"unsafe {what}: {path!r}")
    return "/".join(parts)


def _folder_name(post_slug: str) -> str:
    """The post's own folder: its file name's stem, as one safe path segment."""
    name = _UNSAFE_IN_SLUG.sub("-", post_slug).strip(".-")
    if not name:
        raise ValueError(f"no folder name in post slug {post_slug!r}")
    return name


def images_in(team, texts: Iterable[str]) -> dict[tuple[str, str], bytes]:
    """The bytes of `team`'s own images the texts link to, by (key, ext): one query for
    a whole catalogue of posts, none when no text links an uploaded image."""
    keys = {match["key"] for text in texts for match in _IMAGE_URL.finditer(text)}
    if not keys:
        return {}
    rows = TeamImage.objects.for_team(team).filter(key__in=keys).values_list("key", "ext", "data")
    return {(key, ext): bytes(data) for key, ext, data in rows}


def post_images(
    team,
    text: str,
    *,
    post_slug: str,
    assets_dir: str = DEFAULT_ASSETS_DIR,
    base_url: str = "",
    images: dict[tuple[str, str], bytes] | None = None,
) -> tuple[str, list[tuple[str, bytes]]]:
    """`text` with each of `team`'s own image links pointing into the blog, and the
    files to write: (path from the blog's root, bytes), each image once, in the order
    they first appear. Another team's images, and any other link, are left as they are.
    `images` (images_in) when the caller has them for several posts; else one query,
    and none for a post without an uploaded image."""
    if not _BASE_URL.fullmatch(base_url):
        raise ValueError(f"unsafe base URL: {base_url!r}")
    if not _IMAGE_URL.search(text):
        return text, []
    folder = f"{_segments(assets_dir, 'assets folder')}/{_folder_name(post_slug)}"
    if images is None:
        images = images_in(team, [text])
    files: dict[str, bytes] = {}

    def relink(match: re.Match) -> str:
        data = images.get((match["key"], match["ext"]))
        if data is None:
            return match[0]
        path = f"{folder}/{match['key']}.{match['ext']}"
        files.setdefault(path, data)
        return f"{base_url.rstrip('/')}/{path}"

    return _IMAGE_URL.sub(relink, text), list(files.items())
