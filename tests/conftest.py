"""Fixtures shared by every test: fast hashing, a clean cache, and one team's cast.

Team "alpha" has an admin, a member and an observer, each a user with a membership;
`outsider` is admin of another team ("beta") and of nothing in "alpha". Clients
`as_admin`, `as_member`, `as_observer`, `as_outsider` are logged in as those users,
`anon` is not. pytest-django's own `admin_user`/`admin_client` are site superusers,
which is why these are named after the team role instead.
"""

import datetime
import ipaddress
import os
import socket

import pytest
from django.core.cache import cache, caches
from django.test import Client
from django.utils import translation

from sessions import markdown
from sessions.models import Attendance, Membership

from .factories import DayFactory, MembershipFactory, TeamFactory, UserFactory

# A Redis database of the tests' own (CI's Redis runs on 127.0.0.1:6379).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def require_redis() -> None:
    """Skip, saying why, where no Redis answers at REDIS_URL; in CI, where Redis always
    runs, its absence fails instead."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        reason = f"needs Redis at {REDIS_URL}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run it")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite's test database is a file, not memory: the live editing tests' ASGI
    server (tests/browser/asgi_server.py) reaches it from many threads, each with its
    own connection, and a shared in-memory database locks whole tables between them.
    Nothing is synced to disk (test_sqlite_pragmas): it is thrown away after the run."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(scope="session", autouse=True)
def _test_sqlite_pragmas():
    from django.db.backends.signals import connection_created

    def unsynced(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")

    connection_created.connect(unsynced, weak=False, dispatch_uid="test-sqlite-pragmas")
    yield
    connection_created.disconnect(dispatch_uid="test-sqlite-pragmas")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test ends in the default language: a request in another language (a cookie,
    an Accept-Language) leaves it active in the thread, as LocaleMiddleware never
    deactivates it, and messages made later in that thread would come out in it."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rendered markdown is cached by content (in the cache and in each process's own
    # memory): a test must not see another's HTML.
    cache.clear()
    markdown._html_for.cache_clear()
    yield
    cache.clear()


@pytest.fixture
def offline_dns(monkeypatch):
    """Name resolution without the network, as on CI's machine, which has none: an
    address stands for itself, `localhost` is 127.0.0.1, and any other name does not
    resolve (the webhook check then keeps the address, sessions/forms/teams.py). For
    tests that post a host name many times and must not wait on a resolver."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if host != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def local_blog_remotes(settings):
    """Blog remotes on this machine (bare repositories, tests/gitserver.py on 127.0.0.1),
    which the blog form and git refuse outside development."""
    settings.BLOG_ALLOW_LOCAL_REMOTES = True
    settings.BLOG_GIT_TIMEOUT = 20


@pytest.fixture
def cache_reads(monkeypatch) -> list[list[str]]:
    """Every read from the default cache from now on (one round trip each, with Redis):
    the keys each asked for. The memory cache's get_many calls get per key; those are
    counted as its one read."""
    backend = caches["default"]
    asked, inside = [], []
    get, get_many = backend.get, backend.get_many

    def counted_get(key, *args, **kwargs):
        if not inside:
            asked.append([key])
        return get(key, *args, **kwargs)

    def counted_get_many(keys, *args, **kwargs):
        asked.append(list(keys))
        inside.append(True)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(backend, "get", counted_get)
    monkeypatch.setattr(backend, "get_many", counted_get_many)
    return asked


@pytest.fixture
def team(db):
    return TeamFactory(name="알파팀", slug="alpha")


def _member(team, role, display_name, username):
    user = UserFactory(username=username)
    MembershipFactory(team=team, user=user, role=role, display_name=display_name)
    return user


@pytest.fixture
def team_admin(team):
    """A user who is admin of `team` (membership: `team_admin.memberships.get()`)."""
    return _member(team, Membership.Role.ADMIN, "김관리", "alpha-admin")


@pytest.fixture
def team_member(team):
    """A user who is an ordinary (writing) member of `team`."""
    return _member(team, Membership.Role.MEMBER, "이멤버", "alpha-member")


@pytest.fixture
def team_observer(team):
    """A user who is a read-only observer of `team`."""
    return _member(team, Membership.Role.OBSERVER, "박참관", "alpha-observer")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="베타팀", slug="beta")


@pytest.fixture
def outsider(other_team):
    """Admin of team "beta", with no membership in "alpha"."""
    return _member(other_team, Membership.Role.ADMIN, "최외부", "beta-admin")


@pytest.fixture
def day(team, team_admin, team_member, team_observer):
    """Day 1 of `team`, with attendance (present) for its active non-observer members,
    as services.create_day makes it."""
    day = DayFactory(team=team, date=datetime.date(2024, 3, 4), number=1)
    members = team.memberships.active().exclude(role=Membership.Role.OBSERVER)
    Attendance.objects.bulk_create(Attendance(day=day, member=m) for m in members)
    return day


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_admin(team_admin):
    return _client_for(team_admin)


@pytest.fixture
def as_member(team_member):
    return _client_for(team_member)


@pytest.fixture
def as_observer(team_observer):
    return _client_for(team_observer)


@pytest.fixture
def as_outsider(outsider):
    return _client_for(outsider)


@pytest.fixture
def anon():
    return Client()


@pytest.fixture
def english(settings):
    """For tests that read messages themselves: requests and code run in the English
    source text (the default language is Korean)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def fake_github(settings):
    """A fake GitHub on 127.0.0.1 (tests/fake_github.py) that this server signs in with."""
    from .fake_github import CLIENT_ID, CLIENT_SECRET, FakeGitHub

    with FakeGitHub() as github:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "github": {
                "APP": {"client_id": CLIENT_ID, "secret": CLIENT_SECRET},
                "SCOPE": ["user:email"],
                "GITHUB_URL": github.url,
            }
        }
        yield github
