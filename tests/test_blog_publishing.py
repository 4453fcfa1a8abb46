"""Publishing a member's posts to their blog repository: against local repositories only
(bare ones over file://, and git's smart HTTP behind a token check: tests/gitserver.py).

The runs are called directly (publishing.run) unless a test is about the background
work itself: then the database task backend and its worker run them.
"""

import datetime
import logging
import os
import socket
import stat
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection as db
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sessions import closing
from sessions.blog import crypto, publishing
from sessions.blog.git import GitError, Remote, Workspace, _classify, blob_id, scrub
from sessions.blog.posts import post_for
from sessions.models import BlogConnection, Day, MemberLog, PublishedPost

from .factories import DayFactory, MemberLogFactory, TeamImageFactory
from .gitserver import GitHttpServer, bare_repository

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_blog_remotes")]

Status = PublishedPost.Status
TOKEN = "github_pat_11ABCDEFG0123456789_sEcReTtOkEnVaLuE"
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def dummy_tasks(settings):
    """Enqueued tasks are only kept: each test runs what it means to run."""
    settings.TASKS = DUMMY


@pytest.fixture
def repos(tmp_path) -> Path:
    root = tmp_path / "remote"
    root.mkdir()
    bare_repository(root / "blog.git")
    return root


@pytest.fixture
def member(team_member):
    return team_member.memberships.get()


@pytest.fixture
def blog(team_member, repos) -> BlogConnection:
    """The member's blog: a bare repository over file://, no credential."""
    return BlogConnection.objects.create(
        user=team_member,
        remote_url=(repos / "blog.git").as_uri(),
        branch="main",
        credential_kind=BlogConnection.Credential.NONE,
    )


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def commits(repo: Path) -> list[str]:
    """Subjects of the branch's commits, newest first ([] before the first)."""
    try:
        return git(repo, "log", "--format=%s", "main").splitlines()
    except subprocess.CalledProcessError:
        return []


def show(repo: Path, path: str) -> str:
    return git(repo, "show", f"main:{path}")


def edit_in_blog(repos: Path, tmp_path: Path, path: str, text: str) -> None:
    """The member changes the file in their repository by hand (clone, commit, push)."""
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", (repos / "blog.git").as_uri(), str(work)], check=True)
    (work / path).parent.mkdir(parents=True, exist_ok=True)
    (work / path).write_text(text)
    ident = ["-c", "user.name=me", "-c", "user.email=me@example.com"]
    subprocess.run(["git", "-C", str(work), "add", path], check=True)
    subprocess.run(["git", "-C", str(work), *ident, "commit", "-qm", "by hand"], check=True)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "HEAD:main"], check=True)


def publish(blog, day, member) -> str:
    publishing.queue(blog, [(day.pk, member.pk)])
    return publishing.run(blog.pk)


def post_of(blog, day) -> PublishedPost:
    return PublishedPost.objects.get(connection=blog, day=day)


def write_log(day, member, text: str) -> None:
    MemberLog.objects.update_or_create(
        day=day, member=member, defaults={"retrospective": text, "visibility": "private"}
    )


# --- what lands in the repository ------------------------------------------------------


def test_first_publish_adds_the_post_with_a_clear_message(dummy_tasks, blog, day, member, repos):
    write_log(day, member, "처음 쓴 회고입니다")
    assert publish(blog, day, member) == "published"

    filename, text, _images = post_for(
        Day.objects.for_record().get(pk=day.pk), member, assets_folder="assets/images/"
    )
    path = f"_posts/{filename}"
    assert show(repos / "blog.git", path) == text
    assert "처음 쓴 회고입니다" in text
    assert commits(repos / "blog.git") == [f"Add {path}"]
    post = post_of(blog, day)
    assert post.status == Status.PUBLISHED and post.path == path
    assert post.known_blob == blob_id(text.encode())
    assert post.commit == git(repos / "blog.git", "rev-parse", "main").strip()
    blog.refresh_from_db()
    assert blog.last_status == Status.PUBLISHED and blog.last_commit == post.commit


def test_publishing_an_unchanged_post_makes_no_commit(dummy_tasks, blog, day, member, repos):
    publish(blog, day, member)
    assert publish(blog, day, member) == "unchanged"
    assert len(commits(repos / "blog.git")) == 1
    assert post_of(blog, day).status == Status.UNCHANGED


def test_an_edit_in_studylog_updates_the_same_file(dummy_tasks, blog, day, member, repos):
    write_log(day, member, "첫 회고")
    publish(blog, day, member)
    path = post_of(blog, day).path
    write_log(day, member, "고친 회고")
    assert publish(blog, day, member) == "published"
    assert commits(repos / "blog.git") == [f"Update {path}", f"Add {path}"]
    assert "고친 회고" in show(repos / "blog.git", path)
    assert git(repos / "blog.git", "ls-tree", "-r", "--name-only", "main").split() == [path]


def test_the_posts_folder_is_the_connections(dummy_tasks, blog, day, member, repos):
    BlogConnection.objects.filter(pk=blog.pk).update(posts_folder="blog/_posts/")
    blog.refresh_from_db()
    publish(blog, day, member)
    assert post_of(blog, day).path.startswith("blog/_posts/")


# --- conflicts -------------------------------------------------------------------------


@pytest.fixture
def conflicted(dummy_tasks, blog, day, member, repos, tmp_path) -> PublishedPost:
    """Published once, then changed by hand in the repository and published again."""
    write_log(day, member, "스터디로그의 회고")
    publish(blog, day, member)
    path = post_of(blog, day).path
    edit_in_blog(repos, tmp_path, path, "---\ntitle: 손으로 고친 글\n---\n내가 고쳤다\n")
    assert publish(blog, day, member) == "unchanged"
    return post_of(blog, day)


def test_a_post_changed_in_the_blog_is_not_overwritten(conflicted, repos):
    assert conflicted.status == Status.CONFLICT
    assert conflicted.their_text == "---\ntitle: 손으로 고친 글\n---\n내가 고쳤다\n"
    assert show(repos / "blog.git", conflicted.path) == conflicted.their_text
    assert commits(repos / "blog.git")[0] == "by hand"


def test_keeping_theirs_writes_nothing_until_studylog_changes(conflicted, day, member, repos):
    blog = conflicted.connection
    publishing.resolve(conflicted, "theirs")
    post = post_of(blog, day)
    assert post.status == Status.UNCHANGED and post.known_blob == conflicted.their_blob
    assert publish(blog, day, member) == "unchanged"  # their version stays
    assert commits(repos / "blog.git")[0] == "by hand"
    write_log(day, member, "나중에 스터디로그에서 고침")
    assert publish(blog, day, member) == "published"  # an edit in Studylog is published
    assert "나중에 스터디로그에서 고침" in show(repos / "blog.git", post.path)


def test_overwriting_publishes_studylogs_version(conflicted, day, member, repos):
    blog = conflicted.connection
    publishing.resolve(conflicted, "ours")
    assert post_of(blog, day).status == Status.QUEUED
    assert publishing.run(blog.pk) == "published"
    assert "스터디로그의 회고" in show(repos / "blog.git", conflicted.path)
    assert commits(repos / "blog.git")[0] == f"Update {conflicted.path}"


def test_overwrite_is_only_for_the_version_the_member_saw(conflicted, day, member, repos, tmp_path):
    """If the file changed again after the member chose, it is a conflict once more."""
    blog = conflicted.connection
    publishing.resolve(conflicted, "ours")
    edit_in_blog(repos, tmp_path / "again", conflicted.path, "또 고쳤다\n")
    publishing.run(blog.pk)
    post = post_of(blog, day)
    assert post.status == Status.CONFLICT and post.their_text == "또 고쳤다\n"
    assert show(repos / "blog.git", conflicted.path) == "또 고쳤다\n"


def test_a_file_studylog_never_wrote_is_not_overwritten(
    dummy_tasks, blog, day, member, repos, tmp_path
):
    """A post the member copied in by hand before connecting: a conflict, not a replace."""
    filename, _text, _images = post_for(day, member, assets_folder="assets/images/")
    edit_in_blog(repos, tmp_path, f"_posts/{filename}", "손으로 옮긴 글\n")
    publish(blog, day, member)
    assert post_of(blog, day).status == Status.CONFLICT
    assert show(repos / "blog.git", f"_posts/{filename}") == "손으로 옮긴 글\n"


# --- the whole blog --------------------------------------------------------------------


def test_the_whole_blog_goes_in_one_commit(dummy_tasks, blog, day, member, team, repos):
    others = [DayFactory(team=team, date=day.date + datetime.timedelta(days=n)) for n in (1, 2)]
    for other in others:
        MemberLogFactory(day=other, member=member)
    assert publishing.queue_all(blog) == 3  # day 1 (present) and the two logged days
    assert publishing.run(blog.pk) == "published"
    log = commits(repos / "blog.git")
    assert log[0] == "Publish 3 posts from Studylog" and len(log) == 1
    assert PublishedPost.objects.filter(connection=blog, status=Status.PUBLISHED).count() == 3
    assert publishing.queue_all(blog) == 3
    assert publishing.run(blog.pk) == "unchanged"
    assert len(commits(repos / "blog.git")) == 1


def test_extra_files_ride_along_in_the_same_commit(repos, settings):
    """Images go with their posts: the commit takes any (path, bytes) list."""
    remote = Remote(url=(repos / "blog.git").as_uri(), branch="main")
    with Workspace(remote) as workspace:
        head = workspace.fetch()
        files = [("_posts/a.md", b"post\n"), ("assets/images/a.png", b"\x89PNG\r\n\x1a\n")]
        workspace.push(workspace.commit(head, files, "Add a post with its image"))
    tree = git(repos / "blog.git", "ls-tree", "-r", "--name-only", "main").split()
    assert tree == ["_posts/a.md", "assets/images/a.png"]
    assert len(commits(repos / "blog.git")) == 1


def test_only_the_connections_own_posts_are_queued(dummy_tasks, blog, day, team_admin):
    """Another member's post never goes to this member's blog."""
    assert publishing.queue(blog, [(day.pk, team_admin.memberships.get().pk)]) == 0
    assert not PublishedPost.objects.exists()


# --- over HTTP, with a token -----------------------------------------------------------


@pytest.fixture
def http_blog(team_member, repos):
    with GitHttpServer(repos, token=TOKEN) as server:
        connection = BlogConnection(
            user=team_member,
            remote_url=server.url("blog.git"),
            credential_kind=BlogConnection.Credential.TOKEN,
        )
        publishing.save_connection(connection, TOKEN)
        connection.server = server
        yield connection


def test_publishing_over_http_with_a_token(dummy_tasks, http_blog, day, member, repos):
    assert publish(http_blog, day, member) == "published"
    assert len(commits(repos / "blog.git")) == 1
    assert any(allowed for _m, _p, allowed in http_blog.server.requests)


def test_a_wrong_token_fails_with_a_clean_message(
    dummy_tasks, http_blog, day, member, repos, caplog
):
    publishing.save_connection(http_blog, "github_pat_WRONG_0123456789abcdef")
    caplog.set_level(logging.DEBUG)
    assert publish(http_blog, day, member) == "failed"
    post = post_of(http_blog, day)
    assert post.status == Status.FAILED
    assert post.message.startswith(str(publishing.failure_message(GitError("auth"))).split(" (")[0])
    for text in (post.message, caplog.text, http_blog.__class__.objects.get().last_message):
        assert "github_pat_WRONG" not in text and TOKEN not in text
    assert commits(repos / "blog.git") == []


def test_the_credential_is_encrypted_at_rest(http_blog):
    with db.cursor() as cursor:
        cursor.execute("SELECT credential FROM peer_blogconnection")
        (stored,) = cursor.fetchone()
    assert TOKEN not in stored and stored
    assert crypto.decrypt(stored) == TOKEN


def test_keys_rotate(http_blog, settings):
    old = settings.BLOG_CREDENTIALS_KEYS[0]
    settings.BLOG_CREDENTIALS_KEYS = ["H7z0m2o3B6pqv0e9T3b2l7d1c8k5w4x6y0u9i8r7s6A=", old]
    call_command("publish_posts", "--rotate-keys", stdout=open(os.devnull, "w"))
    settings.BLOG_CREDENTIALS_KEYS = settings.BLOG_CREDENTIALS_KEYS[:1]
    assert crypto.decrypt(BlogConnection.objects.get().credential) == TOKEN


def test_git_output_is_scrubbed():
    text = "fatal: unable to access 'https://me:tok3n-value@github.com/me/b.git/': 403"
    assert scrub(text, ("tok3n-value",)) == (
        "fatal: unable to access 'https://***@github.com/me/b.git/': 403"
    )


# --- unreachable, retried --------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on leaving: nothing listens there


@pytest.mark.parametrize(
    ("stderr", "kind"),
    [
        # A port that happens to hold "403" is still a connection failure (it failed CI once).
        (
            "fatal: unable to access 'http://127.0.0.1:40347/blog.git/': Failed to connect "
            "to 127.0.0.1 port 40347 after 0 ms: Couldn't connect to server",
            "unreachable",
        ),
        ("ssh: connect to host blog.example port 22: Connection refused", "unreachable"),
        ("fatal: unable to access 'https://h/': The requested URL returned error: 403", "auth"),
        ("fatal: Authentication failed for 'https://h/b.git/'", "auth"),
        ("git@h: Permission denied (publickey).", "auth"),
        ("remote: Repository not found.", "not_found"),
        (" ! [rejected]        main -> main (fetch first)", "rejected"),
        ("fatal: the remote end hung up unexpectedly", "error"),
    ],
)
def test_git_failures_are_told_apart(stderr, kind):
    assert _classify(stderr) == kind


def test_an_unreachable_blog_fails_and_is_retried_later(
    dummy_tasks, team_member, day, member, repos
):
    blog = BlogConnection(
        user=team_member,
        remote_url=f"http://127.0.0.1:{closed_port()}/blog.git",
        credential_kind=BlogConnection.Credential.TOKEN,
    )
    publishing.save_connection(blog, TOKEN)
    assert publish(blog, day, member) == "failed"
    post = post_of(blog, day)
    assert post.status == Status.FAILED and post.attempts == 1
    assert post.next_attempt_at > timezone.now()
    assert "could not be reached" in post.message or "연결할 수 없" in post.message
    assert TOKEN not in post.message

    # Not due yet: the cron command leaves it; once due (and the blog back), it goes.
    assert publishing.run_due() == 0
    with GitHttpServer(repos, token=TOKEN) as server:
        BlogConnection.objects.filter(pk=blog.pk).update(remote_url=server.url("blog.git"))
        PublishedPost.objects.update(next_attempt_at=timezone.now())
        call_command("publish_posts", stdout=open(os.devnull, "w"))
    assert post_of(blog, day).status == Status.PUBLISHED
    assert len(commits(repos / "blog.git")) == 1


def test_retries_back_off():
    assert [publishing.backoff(n).total_seconds() // 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert publishing.backoff(30) == datetime.timedelta(hours=6)


def test_a_failure_schedules_a_later_task(
    team_member, day, member, django_capture_on_commit_callbacks
):
    """With the database backend (it can defer), the retry is a task of its own."""
    blog = BlogConnection.objects.create(
        user=team_member,
        remote_url=f"http://127.0.0.1:{closed_port()}/b.git",
        credential_kind="none",
    )
    publishing.queue(blog, [(day.pk, member.pk)])
    with django_capture_on_commit_callbacks(execute=True):
        publishing.run(blog.pk)
    retry = DBTaskResult.objects.get()
    assert retry.run_after is not None and retry.run_after > timezone.now()


# --- in the background -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_publishes_what_a_request_queued(blog, day, member, repos):
    """The database backend: queueing enqueues a task once the transaction commits; the
    worker (manage.py db_worker) runs it. (Real commits here: the worker recycles its
    database connection between tasks, as it does in production.)"""
    publishing.queue(blog, [(day.pk, member.pk)])
    task = DBTaskResult.objects.get()
    assert task.task_path == "sessions.blog.tasks.publish_connection"
    assert commits(repos / "blog.git") == []
    call_command(
        "db_worker", batch=True, max_tasks=1, reload=False, startup_delay=False, verbosity=0
    )
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert post_of(blog, day).status == Status.PUBLISHED
    assert len(commits(repos / "blog.git")) == 1


def test_closing_the_day_queues_posts_of_members_who_asked(
    dummy_tasks, blog, day, member, team_admin, django_capture_on_commit_callbacks
):
    BlogConnection.objects.filter(pk=blog.pk).update(publish_on_close=True)
    with django_capture_on_commit_callbacks(execute=True):
        closing.close(day, user=team_admin)
    assert post_of(blog, day).status == Status.QUEUED


def test_closing_the_day_queues_nothing_for_others(dummy_tasks, blog, day, team_admin):
    closing.close(day, user=team_admin)
    assert not PublishedPost.objects.exists()


# --- an SSH deploy key -----------------------------------------------------------------

FAKE_SSH = """#!/bin/sh
# Stands in for ssh: notes how it was called and what the key file held, then fails.
key=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-i" ]; then key="$2"; fi
  shift
done
echo "$key" > "{out}/key_path"
stat -c %a "$key" > "{out}/key_mode"
cat "$key" > "{out}/key_text"
echo "Permission denied (publickey)." >&2
exit 255
"""
KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAAtest\n"
    "-----END OPENSSH PRIVATE KEY-----"
)


def test_a_deploy_key_is_given_to_ssh_in_a_file_removed_afterwards(
    dummy_tasks, team_member, day, member, tmp_path, monkeypatch
):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ssh").write_text(FAKE_SSH.replace("{out}", str(tmp_path)))
    (fake / "ssh").chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    blog = BlogConnection(
        user=team_member,
        remote_url="git@github.invalid:me/me.github.io.git",
        credential_kind=BlogConnection.Credential.SSH_KEY,
    )
    publishing.save_connection(blog, KEY)
    assert KEY not in BlogConnection.objects.values_list("credential", flat=True).get()
    assert publish(blog, day, member) == "failed"
    key_path = Path((tmp_path / "key_path").read_text().strip())
    assert (tmp_path / "key_text").read_text().strip() == KEY
    assert (tmp_path / "key_mode").read_text().strip() == "600"
    assert not key_path.exists() and not key_path.parent.exists()
    post = post_of(blog, day)
    assert post.message.startswith("저장소가 인증 정보를 거부했습니다.")  # the key was refused
    assert "PRIVATE KEY" not in post.message


# --- runs that overlap ----------------------------------------------------------------


def test_a_publish_asked_for_during_a_run_is_kept(
    dummy_tasks, blog, day, member, repos, monkeypatch
):
    """The member presses Publish again while the push is under way: the post stays
    queued for the next run, and what this run wrote is still known (no false conflict)."""
    push = Workspace.push

    def push_then_click(self, commit):
        push(self, commit)
        write_log(day, member, "푸시하는 동안 고친 회고")
        publishing.queue(blog, [(day.pk, member.pk)])

    monkeypatch.setattr(Workspace, "push", push_then_click)
    publishing.queue(blog, [(day.pk, member.pk)])
    publishing._run_once(blog.pk)
    post = post_of(blog, day)
    assert post.status == Status.QUEUED
    assert post.known_blob == blob_id(show(repos / "blog.git", post.path).encode())
    monkeypatch.setattr(Workspace, "push", push)
    assert publishing.run(blog.pk) == "published"
    assert post_of(blog, day).status == Status.PUBLISHED
    assert "푸시하는 동안 고친 회고" in show(repos / "blog.git", post.path)


def test_a_blog_is_never_pushed_to_by_two_runs_at_once(blog, day, member, repos):
    """While one run holds the blog, another leaves it alone and looks again later."""
    publishing.queue(blog, [(day.pk, member.pk)])
    assert publishing._claim(blog.pk)
    assert publishing.run(blog.pk) == "busy"
    assert commits(repos / "blog.git") == []
    later = DBTaskResult.objects.get()
    assert later.run_after is not None and later.run_after > timezone.now()


def test_file_contents_stay_on_the_server_unless_a_conflict_needs_them(repos, tmp_path):
    """A blog full of images is not downloaded to publish one post: the fetch brings
    the last commit's trees, and a file's contents only when asked for (a conflict)."""
    edit_in_blog(repos, tmp_path, "assets/images/big.png", "x" * 100_000)
    remote = Remote(url=(repos / "blog.git").as_uri(), branch="main")
    with Workspace(remote) as workspace:
        head = workspace.fetch()
        blob = workspace.blob_ids(head, ["assets/images/big.png"])["assets/images/big.png"]
        missing = workspace.git("rev-list", "--objects", "--missing=print", head).decode()
        assert f"?{blob}" in missing.split()
        assert workspace.read_blob(blob) == b"x" * 100_000


def test_a_pasted_image_rides_in_the_posts_commit_and_only_once(
    dummy_tasks, blog, day, member, repos
):
    png = TeamImageFactory(team=day.team, data=b"\x89PNG pixels")
    write_log(day, member, f"오늘의 그래프\n\n![손실]({png.get_absolute_url()})")
    assert publish(blog, day, member) == "published"

    path = post_of(blog, day).path
    stem = path.removeprefix("_posts/").removesuffix(".md")
    image_path = f"assets/images/{stem}/{png.key}.png"
    assert f"![손실](/assets/images/{stem}/{png.key}.png)" in show(repos / "blog.git", path)
    files = git(repos / "blog.git", "ls-tree", "-r", "--name-only", "main").split()
    assert sorted(files) == sorted([path, image_path])
    blob = subprocess.run(
        ["git", "-C", str(repos / "blog.git"), "cat-file", "-p", f"main:{image_path}"],
        capture_output=True,
        check=True,
    ).stdout
    assert blob == b"\x89PNG pixels"

    write_log(day, member, f"오늘의 그래프 (고침)\n\n![손실]({png.get_absolute_url()})")
    assert publish(blog, day, member) == "published"
    changed = git(repos / "blog.git", "show", "--name-only", "--format=", "main").split()
    assert changed == [path]  # the image is there already: not written again
