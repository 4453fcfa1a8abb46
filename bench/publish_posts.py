"""How fast a member's whole blog (100 posts) is published to a local bare repository in
one commit, against writing the same files with the plain git CLI.

Run from the repository: `DEBUG=1 .venv/bin/python bench/publish_posts.py`. It uses the
configured database (DATABASE_URL, else db.sqlite3), which must be migrated; it imports
bench/import_posts.py's 100 posts for a scratch member with an account, connects that
member's blog to a fresh bare repository over file://, publishes everything (rendering
each post, one shallow fetch, one fast-import commit, one push), publishes again (no
change: no commit), and deletes what it made. Nothing goes over the network.

Baseline, in the same process on the same files: a fresh clone of another empty bare
repository, the 100 files written, `git add`, `git commit`, `git push`.
"""

import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["BLOG_ALLOW_LOCAL_REMOTES"] = "1"  # a file:// remote, before settings load

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from bench._django import require_migrated  # noqa: E402  (sets Django up)
from bench.import_posts import AUTHOR, POSTS, make_post, session_dates  # noqa: E402
from sessions.blog import publishing  # noqa: E402
from sessions.blog.posts import post_for  # noqa: E402
from sessions.jekyll.catalogue import member_days  # noqa: E402
from sessions.jekyll.importer import IMPORTED, import_sources  # noqa: E402
from sessions.jekyll.sources import Source  # noqa: E402
from sessions.models import BlogConnection, PublishedPost, Team  # noqa: E402

GIT_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True, text=True
    ).stdout


def bare(path: Path) -> Path:
    git("init", "-q", "--bare", "--initial-branch=main", str(path))
    return path


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def plain_git(remote: Path, files: list[tuple[str, bytes]], scratch: Path) -> None:
    work = scratch / "work"
    git("clone", "-q", remote.as_uri(), str(work))
    for path, data in files:
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_bytes(data)
    git("add", "-A", cwd=work)
    git("commit", "-qm", f"Publish {len(files)} posts", cwd=work)
    git("push", "-q", "origin", "HEAD:main", cwd=work)


def main() -> None:
    require_migrated()
    rng = random.Random(4)  # the same posts on every run
    sources = [
        Source(f"{date.isoformat()}-boostcourse_day{n}.md", make_post(rng, n, date).encode())
        for n, date in enumerate(session_dates(POSTS), start=1)
    ]
    suffix = uuid.uuid4().hex[:10]
    team = Team.objects.create(name="벤치팀", slug=f"bench-{suffix}")
    user = get_user_model().objects.create(username=f"bench-{suffix}")
    try:
        report = import_sources(team, sources, member_name=AUTHOR)
        if report.count(IMPORTED) != POSTS:
            sys.exit("The bench's posts did not all import.")
        member = team.memberships.get(display_name=AUTHOR)
        member.user = user
        member.save()
        with tempfile.TemporaryDirectory(prefix="studylog-bench-") as scratch:
            scratch = Path(scratch)
            blog = BlogConnection.objects.create(
                user=user, remote_url=bare(scratch / "blog.git").as_uri(), credential_kind="none"
            )

            def publish_all() -> str:
                publishing.queue(blog, [(day.pk, member.pk) for day in member_days(team, member)])
                return publishing.run(blog.pk)

            publish_s, outcome = timed(publish_all)
            published = PublishedPost.objects.filter(connection=blog, status="published").count()
            again_s, again = timed(publish_all)
            commits = git("--git-dir", str(scratch / "blog.git"), "rev-list", "--count", "main")
            if outcome != "published" or again != "unchanged" or commits.strip() != "1":
                sys.exit(f"Unexpected: {outcome}, then {again}, {commits.strip()} commits")
            if published != POSTS:
                sys.exit(f"{published} posts published, not {POSTS}")

            def render_all() -> list:
                folder = blog.assets_folder
                days = member_days(team, member)
                return [post_for(day, member, assets_folder=folder) for day in days]

            files = [(f"_posts/{name}", text.encode()) for name, text, _images in render_all()]
            render_s, _ = timed(render_all)
            plain_s, _ = timed(lambda: plain_git(bare(scratch / "plain.git"), files, scratch))
    finally:
        team.delete()
        user.delete()

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    rows = [
        (f"publish {POSTS} posts", publish_s),
        ("publish again (no-op)", again_s),
        ("render only", render_s),
        ("plain git add/commit/push", plain_s),
    ]
    for label, seconds in rows:
        print(f"{label:<27}{seconds:8.3f} s")
    print(f"{'commits in the blog':<27}{commits.strip():>8}")
    print(f"{'publish / plain git':<27}{publish_s / plain_s:8.1f}x")
    print(f"{'publish / (render + git)':<27}{publish_s / (render_s + plain_s):8.1f}x")
    print(f"{'target':<27}{'< 5 s':>8}  {'ok' if publish_s < 5 else 'MISSED'}")


if __name__ == "__main__":
    main()
