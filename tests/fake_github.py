"""A small GitHub on 127.0.0.1 for the sign-in tests: OAuth's authorize page and token
endpoint, and the API's /user and /user/emails, as github.com answers them.

The person "signed in at GitHub" is `github.signed_in` (a FakeUser). The authorize page
shows what the app asks for with an Authorize and a Cancel button, as GitHub's consent
page does; `github.consent(url)` presses one of them over HTTP and returns where GitHub
sends the browser back to. Failures are switched on by attribute:

- `token_error`: "server" (a 500), or an OAuth error GitHub puts in a 200
  ("bad_verification_code");
- `user_error`: the status /user answers with (401, 500);
- `grant`: the scopes granted, when not the ones asked for;
- `user_body`: what /user answers with instead of the profile (a malformed one).

A code works once, for the client and redirect URI it was issued to, as GitHub's do.
"""

import html
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

CLIENT_ID = "studylog-test-client"
CLIENT_SECRET = "studylog-test-secret"
FORM = "application/x-www-form-urlencoded"  # how GitHub answers a token request


@dataclass
class FakeUser:
    login: str
    id: int
    name: str = ""
    # (address, primary, verified)
    emails: list[tuple[str, bool, bool]] = field(default_factory=list)

    def profile(self, base: str) -> dict:
        public = next((e for e, primary, verified in self.emails if primary and verified), None)
        return {
            "login": self.login,
            "id": self.id,
            "name": self.name or None,
            "email": public,
            "html_url": f"{base}/{self.login}",
            "avatar_url": f"{base}/avatars/{self.id}",
        }


class FakeGitHub:
    def __init__(self):
        self.signed_in = FakeUser("minsu-kim", 4401, "김민수", [("minsu@example.com", True, True)])
        self.token_error: str | None = None
        self.user_error: int | None = None
        self.grant: str | None = None
        self.user_body: object = None  # /user's answer instead of the profile
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, tuple[FakeUser, str]] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request
        self.token_requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    # --- what a test does at GitHub -------------------------------------------------------

    def consent(self, authorize_url: str, *, approve: bool = True) -> str:
        """Open the authorize page, press Authorize (or Cancel): the callback URL."""
        page = requests.get(authorize_url, timeout=5)
        assert page.status_code == 200, page.text
        query = parse_qs(urlsplit(authorize_url).query)
        decision = {k: v[0] for k, v in query.items()} | {"approve": "1" if approve else ""}
        answer = requests.get(
            f"{self.url}/login/oauth/authorize/decide",
            params=decision,
            allow_redirects=False,
            timeout=5,
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    # --- the server ------------------------------------------------------------------------

    def _handler(self):
        github = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                github.calls.append(("GET", parts.path))
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/login/oauth/authorize":
                    return self._authorize_page(query)
                if parts.path == "/login/oauth/authorize/decide":
                    return self._decide(query)
                if parts.path in ("/api/v3/user", "/api/v3/user/emails"):
                    return self._api(parts.path)
                self._send(404, {"message": "Not Found"})

            def do_POST(self):
                parts = urlsplit(self.path)
                github.calls.append(("POST", parts.path))
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if parts.path == "/login/oauth/access_token":
                    return self._token(form)
                self._send(404, {"message": "Not Found"})

            def _authorize_page(self, query):
                if query.get("client_id") != CLIENT_ID:
                    return self._send(404, "<h1>Not Found</h1>", "text/html")
                scopes = html.escape(query.get("scope", ""))
                decide = "/login/oauth/authorize/decide"
                hidden = "".join(
                    f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                    for k, v in query.items()
                )
                user = html.escape(github.signed_in.login)
                body = (
                    "<!doctype html><title>Authorize application</title>"
                    f"<h1>Authorize Studylog</h1><p>Signed in as {user}</p>"
                    f"<p>Scopes: <code>{scopes}</code></p>"
                    f'<form action="{decide}">{hidden}'
                    '<button name="approve" value="1">Authorize</button>'
                    '<button name="approve" value="">Cancel</button></form>'
                )
                self._send(200, body, "text/html; charset=utf-8")

            def _decide(self, query):
                back = query["redirect_uri"]
                if not query.get("approve"):
                    params = {
                        "error": "access_denied",
                        "error_description": "The user has denied your application access.",
                        "state": query.get("state", ""),
                    }
                else:
                    code = secrets.token_hex(10)
                    github.codes[code] = {
                        "client_id": query["client_id"],
                        "redirect_uri": back,
                        "user": github.signed_in,
                        "scope": query.get("scope", "") if github.grant is None else github.grant,
                    }
                    params = {"code": code, "state": query.get("state", "")}
                self.send_response(302)
                self.send_header("Location", f"{back}?{urlencode(params)}")
                self.end_headers()

            def _token(self, form):
                github.token_requests.append(form)
                if github.token_error == "server":
                    return self._send(500, "oops", "text/plain")
                grant = github.codes.pop(form.get("code", ""), None)
                error = github.token_error
                if error is None:
                    client = (form.get("client_id"), form.get("client_secret"))
                    if client != (CLIENT_ID, CLIENT_SECRET):
                        error = "incorrect_client_credentials"
                    elif grant is None or grant["client_id"] != form.get("client_id"):
                        error = "bad_verification_code"
                    elif grant["redirect_uri"] != form.get("redirect_uri"):
                        error = "redirect_uri_mismatch"
                if error:  # GitHub answers these with a 200
                    return self._send(200, urlencode({"error": error}), FORM)
                token = f"gho_{secrets.token_hex(16)}"
                scope = ",".join(s for s in grant["scope"].replace(",", " ").split() if s)
                github.tokens[token] = (grant["user"], scope)
                body = urlencode({"access_token": token, "scope": scope, "token_type": "bearer"})
                self._send(200, body, FORM)

            def _api(self, path):
                if github.user_error:
                    return self._send(github.user_error, {"message": "Bad credentials"})
                auth = self.headers.get("Authorization", "")
                user, scope = github.tokens.get(auth.split(" ", 1)[-1], (None, ""))
                if user is None:
                    return self._send(401, {"message": "Bad credentials"})
                if path.endswith("/emails"):
                    if "user:email" not in scope.split(","):
                        return self._send(404, {"message": "Not Found"})
                    body = [
                        {"email": e, "primary": p, "verified": v, "visibility": None}
                        for e, p, v in user.emails
                    ]
                    return self._send(200, body)
                body = user.profile(github.url) if github.user_body is None else github.user_body
                self._send(200, body)

            def _send(self, status, body, content_type="application/json"):
                data = (json.dumps(body) if content_type == "application/json" else body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
