"""A member's back catalogue as files: every day of theirs as a post, in a zip or a folder,
with the images pasted into them (export.member_post says what each post is)."""

import datetime
import io
import zipfile
from pathlib import Path

from django.db.models import Q, QuerySet

from ..images.export import images_in
from ..models import Attendance, Day, MemberLog, Membership, PostSource, Team
from ..weeks import monday_of, weeks_of
from . import week_post
from .export import member_post


def member_days(team: Team, member: Membership) -> QuerySet[Day]:
    """The team's days the member took part in (present or late), logged, or imported a
    post of, oldest first; prefetched for member_post()."""
    took_part = Attendance.objects.filter(
        member=member, status__in=Attendance.PRESENT_STATUSES
    ).order_by()
    logged = MemberLog.objects.filter(member=member).order_by()
    imported = PostSource.objects.filter(member=member).order_by()
    return (
        Day.objects.for_team(team)
        .filter(
            Q(pk__in=took_part.values("day"))
            | Q(pk__in=logged.values("day"))
            | Q(pk__in=imported.values("day"))
        )
        .order_by("date")
        .for_record()
        .prefetch_related("post_sources")
    )


# A zip entry's time holds years 1980-2107 only.
_ZIP_EARLIEST, _ZIP_LATEST = (1980, 1, 1, 0, 0, 0), (2107, 12, 31, 0, 0, 0)


def _posts_with_images(team: Team, member: Membership, days) -> list[tuple]:
    """(day, post file name, text, images) for each day: the images of every post read
    in one query (images_in), not one per post."""
    posts = [(day, member_post(day, member)) for day in days]
    found = images_in(team, (post.text for _day, post in posts))
    return [(day, post.filename, *post.with_images(team, images=found)) for day, post in posts]


def posts_zip(team: Team, member: Membership, *, days=None) -> bytes:
    """The member's posts as a zip holding a Jekyll `_posts/` folder, one file per day and
    one per week they have a day in ("N주차 팀 회고"), and the images pasted into them
    under `assets/images/<post>/`.

    `days` (prefetched like member_days) narrows what goes in, e.g. to what a viewer may see.
    """
    days = member_days(team, member) if days is None else days
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        written = set()
        for day, filename, text, images in _posts_with_images(team, member, days):
            for path, data in [(f"_posts/{filename}", text.encode()), *images]:
                if path in written:
                    continue  # an image two posts share, or a file name met twice
                written.add(path)
                _add(archive, path, day.date, data)
        for path, sunday, text in _week_posts(team, member, days):
            _add(archive, path, sunday, text.encode())
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, path: str, date: datetime.date, data: bytes) -> None:
    """One file, dated `date` (within the years a zip entry can hold), rw-r--r-- once unzipped."""
    stamp = min(max(date.timetuple()[:6], _ZIP_EARLIEST), _ZIP_LATEST)
    info = zipfile.ZipInfo(path, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _week_posts(team: Team, member: Membership, days) -> list[tuple]:
    """(path, the week's Sunday, text) of the team's post of each week the member has a
    day in (week_post.py), in a fixed number of queries however many weeks."""
    mondays = {monday_of(day.date) for day in days}
    if not mondays:
        return []
    weeks, first = weeks_of(team, mondays), week_post.first_date(team)
    return [
        (
            f"_posts/{week_post.filename(team, monday, first)}",
            monday + datetime.timedelta(days=6),
            week_post.render_week_post(team, member, monday, week=week, first=first),
        )
        for monday, week in sorted(weeks.items())
    ]


def write_posts(team: Team, member: Membership, out_dir: Path) -> list[Path]:
    """Write the member's posts into `out_dir` (created if missing), replacing same-named
    files. Their pasted images go under the blog's root: the folder above `out_dir` when
    that is a `_posts` folder, else `out_dir` itself (`assets/images/<post>/`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.parent if out_dir.resolve().name == "_posts" else out_dir
    paths = []
    for _day, filename, text, images in _posts_with_images(team, member, member_days(team, member)):
        path = out_dir / filename
        # Bytes, not write_text: the post's line endings must survive on every OS.
        path.write_bytes(text.encode())
        for image_path, data in images:
            target = root / image_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        paths.append(path)
    return paths
