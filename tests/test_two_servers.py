"""Two app servers sharing PostgreSQL and Redis, as the README's "Several app servers"
describes: log in on one, edit a day on the other, read the change back on the first.

Each server is `make serve`'s (tests/servers.py), with production settings (DEBUG off,
the page cache on over Redis). The first reads the day page before the edit, so a
stale cached page would show. Needs PostgreSQL (CI's second run; DATABASE_URL) and
Redis on 127.0.0.1:6379; without them it skips, saying which; in CI (where Redis always
runs) it runs in the PostgreSQL pass, and a missing Redis fails it.
"""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse

from sessions.models import Question

from .factories import QuestionFactory
from .servers import behind_redis

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "두-서버-password-1234"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def servers(transactional_db, tmp_path):
    """Two `make serve` servers (one uvicorn worker each) on their own ports, same
    database and Redis, the page cache on."""
    with behind_redis(tmp_path, "two-servers", static=True) as started:
        yield [server.url for server in started]


class Browser:
    """One browser: one cookie jar for both servers (cookies do not depend on the port)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=30) as response:
            return response.read().decode()

    def post(self, url: str, data: dict, headers: dict | None = None) -> int:
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(data).encode(),
            headers={"X-CSRFToken": self.csrf(), "Referer": url, **(headers or {})},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def test_a_change_on_one_server_is_read_back_on_the_other(servers, day, team_member):
    # The servers know only the default hashers (the tests' settings use MD5 for speed).
    hasher = PBKDF2PasswordHasher()
    team_member.password = hasher.encode(PASSWORD, hasher.salt())
    team_member.save()
    question = QuestionFactory(day=day, question="처음 적은 질문")
    first, second = servers
    browser = Browser()
    browser.get(first + reverse("login"))
    status = browser.post(
        first + reverse("login"),
        {"username": team_member.username, "password": PASSWORD},
    )
    assert status == 200  # the redirect after logging in, followed to the home page
    assert any(cookie.name == "sessionid" for cookie in browser.jar)

    page = reverse("peer:day", kwargs={"team": "alpha", "date": day.date})
    assert "처음 적은 질문" in browser.get(first + page)  # now cached on the first
    assert "처음 적은 질문" in browser.get(first + page)

    edit = reverse(
        "peer:item_edit",
        kwargs={"team": "alpha", "date": day.date, "kind": "question", "pk": question.pk},
    )
    browser.get(second + edit)  # logged in there too: the session is shared
    body = {"question": "고친 질문", "answer": "", "links": "", "version": question.version}
    assert browser.post(second + edit, body, HTMX) == 200
    assert Question.objects.get(pk=question.pk).question == "고친 질문"

    html = browser.get(first + page)
    assert "고친 질문" in html
    assert "처음 적은 질문" not in html
    assert re.search(r'name="csrfmiddlewaretoken" value="\w{64}"', html)
