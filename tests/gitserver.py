"""A git smart-HTTP server on 127.0.0.1 for the tests: git's own http-backend (CGI)
behind a token check, serving the bare repositories under one folder.

    with GitHttpServer(root, token="s3cret") as server:
        server.url("blog.git")  # http://127.0.0.1:<port>/blog.git

Every request must carry HTTP basic auth whose password is the token (any username);
otherwise 401, as GitHub answers a bad token. `requests` keeps each request's path
and whether it was let in.
"""

import base64
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HTTP_BACKEND = "/usr/lib/git-core/git-http-backend"


def bare_repository(path: Path, *, branch: str = "main") -> Path:
    """An empty bare repository at `path` whose HEAD is `branch`, serving partial
    fetches as GitHub does (publishing fetches file contents only for a conflict)."""
    subprocess.run(
        ["git", "init", "--quiet", "--bare", f"--initial-branch={branch}", str(path)], check=True
    )
    subprocess.run(
        ["git", "--git-dir", str(path), "config", "uploadpack.allowFilter", "true"], check=True
    )
    return path


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
        return user if password == self.server.token else None

    def _serve(self) -> None:
        body = self._body() if self.command == "POST" else b""
        user = self._authorized()
        self.server.requests.append((self.command, self.path, user is not None))
        if user is None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="test git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _sep, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": user,
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        result = subprocess.run(
            [HTTP_BACKEND], input=body, env=env, capture_output=True, timeout=30
        )
        head, _sep, payload = result.stdout.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode(errors="replace").split("\r\n"):
            name, _sep, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class GitHttpServer:
    def __init__(self, root: Path, *, token: str):
        self.root, self.token = Path(root), token

    def __enter__(self) -> "GitHttpServer":
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.root, self.httpd.token, self.httpd.requests = self.root, self.token, []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def requests(self) -> list[tuple[str, str, bool]]:
        return self.httpd.requests

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/{name}"
