"""The member's blog pages: connecting in the profile, Publish on the member record, the
status and the conflict choice. Who may use them is in tests/test_permissions.py (OWN
rows) and tests/test_url_registry.py; here, what each does and what it never shows."""

import logging
import socket

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from sessions.blog import crypto, publishing
from sessions.models import BlogConnection, PublishedPost

from .gitserver import GitHttpServer, bare_repository
from .test_blog_publishing import TOKEN, closed_port, edit_in_blog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_blog_remotes")]

Status = PublishedPost.Status
PROFILE = "/accounts/blog/"


@pytest.fixture
def member(team_member):
    return team_member.memberships.get()


def connect_body(**overrides) -> dict:
    return {
        "remote_url": "https://github.com/me/me.github.io.git",
        "branch": "main",
        "posts_folder": "_posts/",
        "assets_folder": "assets/images/",
        "credential_kind": "token",
        "token": TOKEN,
    } | overrides


def post_url(name, day, member) -> str:
    return reverse(f"peer:{name}", kwargs={"team": "alpha", "date": day.date, "member": member.pk})


# --- connecting ------------------------------------------------------------------------


def test_connecting_stores_the_token_encrypted_and_never_shows_it(as_member, team_member):
    response = as_member.post(PROFILE, connect_body())
    assert response.status_code == 302
    connection = BlogConnection.objects.get(user=team_member)
    assert connection.remote_url == "https://github.com/me/me.github.io.git"
    assert TOKEN not in connection.credential
    assert crypto.decrypt(connection.credential) == TOKEN
    page = as_member.get(PROFILE).content.decode()
    assert TOKEN not in page
    assert "https://github.com/me/me.github.io.git" in page


def test_a_blank_token_keeps_the_stored_one(as_member, team_member):
    as_member.post(PROFILE, connect_body())
    as_member.post(PROFILE, connect_body(token="", branch="gh-pages"))
    connection = BlogConnection.objects.get(user=team_member)
    assert connection.branch == "gh-pages" and crypto.decrypt(connection.credential) == TOKEN


def test_a_refused_form_keeps_what_was_typed_but_not_the_token(as_member):
    response = as_member.post(PROFILE, connect_body(branch="bad..branch", posts_folder="notes/"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "branch" in response.context["form"].errors
    assert 'value="notes/"' in page and TOKEN not in page
    assert not BlogConnection.objects.exists()


def test_a_token_inside_the_address_is_refused_and_not_echoed(as_member):
    url = f"https://me:{TOKEN}@github.com/me/me.github.io.git"
    response = as_member.post(PROFILE, connect_body(remote_url=url, token=""))
    assert response.status_code == 422
    assert "remote_url" in response.context["form"].errors
    assert TOKEN not in response.content.decode()
    assert not BlogConnection.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("remote_url", "ext::sh -c touch% /tmp/pwned"),
        ("remote_url", "--upload-pack=touch /tmp/pwned"),
        ("remote_url", "git@-oProxyCommand:me/b.git"),
        ("remote_url", "ssh://-oProxyCommand/me/b.git"),
        ("remote_url", "ftp://example.com/blog.git"),
        ("posts_folder", "../outside"),
        ("branch", "-f"),
    ],
)
def test_addresses_and_folders_git_could_misread_are_refused(as_member, field, value):
    response = as_member.post(PROFILE, connect_body(**{field: value}))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not BlogConnection.objects.exists()


def test_local_addresses_are_for_development_only(as_member, settings):
    settings.BLOG_ALLOW_LOCAL_REMOTES = False
    for url in (
        "file:///srv/repos/blog.git",
        "https://127.0.0.1/blog.git",
        "http://x.com/b.git",
        "git@10.0.0.5:me/b.git",
    ):
        response = as_member.post(PROFILE, connect_body(remote_url=url))
        assert "remote_url" in response.context["form"].errors, url
    assert not BlogConnection.objects.exists()


def test_a_host_name_on_the_servers_own_network_is_refused(as_member, settings, monkeypatch):
    """Names are resolved, as the team webhook's address is (sessions/outbound.py)."""
    settings.BLOG_ALLOW_LOCAL_REMOTES = False
    inside = {"git.internal.example": "10.0.0.7", "blog.example.com": "93.184.216.34"}

    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (inside[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    refused = as_member.post(
        PROFILE, connect_body(remote_url="https://git.internal.example/me/blog.git")
    )
    assert "remote_url" in refused.context["form"].errors
    assert not BlogConnection.objects.exists()
    as_member.post(PROFILE, connect_body(remote_url="https://blog.example.com/me/blog.git"))
    assert BlogConnection.objects.get().remote_url == "https://blog.example.com/me/blog.git"


def test_a_deploy_key_needs_an_ssh_address(as_member):
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----"
    body = connect_body(credential_kind="ssh_key", token="", ssh_key=key)
    response = as_member.post(PROFILE, body)
    assert "credential_kind" in response.context["form"].errors
    assert "abc" not in response.content.decode().split("<textarea")[1].split("</textarea>")[0]
    response = as_member.post(PROFILE, body | {"remote_url": "git@github.com:me/me.github.io.git"})
    assert response.status_code == 302
    assert BlogConnection.objects.get().credential_kind == "ssh_key"


def test_without_a_key_the_server_says_it_cannot_store_credentials(as_member, settings):
    settings.BLOG_CREDENTIALS_KEYS = []
    response = as_member.post(PROFILE, connect_body())
    assert response.status_code == 422
    assert "BLOG_CREDENTIALS_KEY" in response.content.decode()
    assert not BlogConnection.objects.exists()


def test_moving_the_blog_forgets_what_was_written_to_the_old_one(as_member, team_member, day):
    as_member.post(PROFILE, connect_body())
    connection = BlogConnection.objects.get()
    PublishedPost.objects.create(
        connection=connection, day=day, member=team_member.memberships.get(), known_blob="a" * 40
    )
    as_member.post(PROFILE, connect_body(remote_url="https://github.com/me/other.git"))
    assert not PublishedPost.objects.exists()


def test_disconnecting_deletes_the_credential(as_member):
    as_member.post(PROFILE, connect_body())
    assert as_member.post(reverse("peer:blog_disconnect")).status_code == 302
    assert not BlogConnection.objects.exists()


# --- publishing from the member record -------------------------------------------------


def test_the_member_record_offers_publishing_to_its_own_member_only(
    as_member, as_admin, day, member
):
    record = reverse(
        "peer:member_day", kwargs={"team": "alpha", "date": day.date, "member": member.pk}
    )
    publish = post_url("blog_publish", day, member)
    assert publish in as_member.get(record).content.decode()
    assert publish not in as_admin.get(record).content.decode()


def test_publish_only_queues_and_returns_at_once(as_member, team_member, day, member):
    """The request never talks to the remote (here: nothing listens at all): it queues,
    and the task is enqueued once the request's transaction commits."""
    BlogConnection.objects.create(
        user=team_member,
        remote_url=f"http://127.0.0.1:{closed_port()}/blog.git",
        credential_kind="none",
    )
    response = as_member.post(post_url("blog_publish", day, member))
    assert response.status_code == 302
    post = PublishedPost.objects.get()
    assert post.status == Status.QUEUED and post.attempts == 0


def test_publish_enqueues_a_task_after_commit(
    as_member, team_member, day, member, django_capture_on_commit_callbacks
):
    BlogConnection.objects.create(user=team_member, remote_url="https://example.com/b.git")
    with django_capture_on_commit_callbacks(execute=True):
        as_member.post(post_url("blog_publish", day, member), HTTP_HX_REQUEST="true")
    assert DBTaskResult.objects.get().args_kwargs["args"] == [BlogConnection.objects.get().pk]


def test_publish_without_a_connection_sends_the_member_to_connect(as_member, day, member):
    response = as_member.post(post_url("blog_publish", day, member))
    assert response["Location"] == PROFILE
    assert not PublishedPost.objects.exists()


def test_the_status_fragment_says_what_happened(as_member, team_member, day, member):
    connection = BlogConnection.objects.create(
        user=team_member, remote_url="https://example.com/b.git"
    )
    PublishedPost.objects.create(
        connection=connection,
        day=day,
        member=member,
        status=Status.FAILED,
        message="The repository could not be reached.",
        attempts=1,
    )
    html = as_member.get(post_url("blog_post", day, member), HTTP_HX_REQUEST="true")
    assert "The repository could not be reached." in html.content.decode()
    assert "<html" not in html.content.decode()


def test_the_status_page_costs_a_fixed_number_of_queries(as_member, team_member, day, member):
    BlogConnection.objects.create(user=team_member, remote_url="https://example.com/b.git")
    as_member.post(post_url("blog_publish", day, member))
    with CaptureQueriesContext(db) as queries:
        assert as_member.get(post_url("blog_post", day, member)).status_code == 200
    assert len(queries) <= 8  # session, user, membership, day, subject, connection, post


# --- a conflict, end to end ------------------------------------------------------------


@pytest.fixture
def http_blog(tmp_path, team_member):
    bare_repository(tmp_path / "blog.git")
    with GitHttpServer(tmp_path, token=TOKEN) as server:
        connection = BlogConnection(
            user=team_member, remote_url=server.url("blog.git"), credential_kind="token"
        )
        publishing.save_connection(connection, TOKEN)
        yield connection


def test_both_versions_are_shown_and_each_choice_works(
    as_member, http_blog, day, member, settings, caplog, tmp_path
):
    caplog.set_level(logging.DEBUG)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    as_member.post(post_url("blog_publish", day, member))
    publishing.run(http_blog.pk)
    post = PublishedPost.objects.get()
    edit_in_blog(tmp_path, tmp_path / "hand", post.path, "블로그에서 직접 고친 줄\n")
    as_member.post(post_url("blog_publish", day, member))
    publishing.run(http_blog.pk)
    post.refresh_from_db()
    assert post.status == Status.CONFLICT

    page = as_member.get(post_url("blog_post", day, member)).content.decode()
    assert "blog-diff" in page and "블로그의 버전 남기기" in page and "덮어쓰기" in page
    assert "블로그에서 직접 고친 줄" in page  # theirs
    assert "toc_sticky: true" in page  # Studylog's (its front matter)
    assert TOKEN not in page

    as_member.post(post_url("blog_resolve", day, member), {"choice": "theirs"})
    post.refresh_from_db()
    assert post.status == Status.UNCHANGED and post.known_blob == post.their_blob

    PublishedPost.objects.filter(pk=post.pk).update(
        status=Status.CONFLICT, their_blob=post.known_blob, known_blob="0" * 40
    )
    as_member.post(post_url("blog_resolve", day, member), {"choice": "ours"})
    post.refresh_from_db()
    assert post.status == Status.QUEUED and post.overwrite_blob
    assert TOKEN not in caplog.text


def test_an_unknown_choice_changes_nothing(as_member, team_member, day, member):
    connection = BlogConnection.objects.create(
        user=team_member, remote_url="https://example.com/b.git"
    )
    post = PublishedPost.objects.create(
        connection=connection, day=day, member=member, status=Status.CONFLICT, their_blob="1" * 40
    )
    as_member.post(post_url("blog_resolve", day, member), {"choice": "both"})
    post.refresh_from_db()
    assert post.status == Status.CONFLICT


def test_the_whole_blog_button_queues_every_post(as_member, team_member, day):
    BlogConnection.objects.create(user=team_member, remote_url="https://example.com/b.git")
    assert as_member.post(reverse("peer:blog_publish_all")).status_code == 302
    assert PublishedPost.objects.filter(status=Status.QUEUED).count() == 1


def test_the_profile_shows_the_last_result(as_member, team_member):
    BlogConnection.objects.create(
        user=team_member,
        remote_url="https://example.com/b.git",
        last_status=Status.FAILED,
        last_message="The repository refused the credential.",
    )
    page = as_member.get(PROFILE).content.decode()
    assert "The repository refused the credential." in page
