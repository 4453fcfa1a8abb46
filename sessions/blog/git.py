"""The git CLI for one publish: a scratch bare repository, one shallow, blob-less fetch
of the blog's branch, one commit made with fast-import, one push.

Every command runs with a timeout, in its own process group (killed whole on timeout),
with an environment of its own: no user or system configuration, no terminal prompt,
only the transports allowed (https and ssh; http and file where local remotes are
allowed). The secret reaches git through an askpass script that reads it from the
environment (a token) or through a key file in the scratch directory (an SSH deploy
key): never in argv, a URL or a log. Whatever git prints is scrubbed of the secret and
of any userinfo in URLs before it goes anywhere.
"""

import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

GIT = shutil.which("git") or "/usr/bin/git"
TOKEN_USERNAME = "x-access-token"  # GitHub's; any username goes with a personal token
COMMITTER = ("Studylog", "noreply@studylog.invalid")

_ASKPASS = """#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$STUDYLOG_GIT_USERNAME" ;;
  *) printf '%s\\n' "$STUDYLOG_GIT_PASSWORD" ;;
esac
"""
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


@dataclass(frozen=True)
class Remote:
    url: str
    branch: str
    kind: str = "none"  # BlogConnection.Credential: token, ssh_key or none
    secret: str = field(default="", repr=False)


class GitError(Exception):
    """A git command failed; `kind` says how (auth, not_found, unreachable, timeout,
    rejected, error) and `detail` is git's last words, scrubbed."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


def blob_id(data: bytes) -> str:
    """The id git gives a file holding `data` (SHA-1 object format)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` without the secrets and without userinfo in any URL."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            for line in secret.splitlines():
                if len(line.strip()) >= 8:
                    text = text.replace(line.strip(), "***")
    return _USERINFO.sub("***@", text)


def allowed_protocols() -> list[str]:
    allowed = ["https", "ssh"]
    if settings.BLOG_ALLOW_LOCAL_REMOTES:
        allowed += ["http", "file"]
    return allowed


_HTTP_403 = re.compile(r"\b403\b")


def _classify(stderr: str) -> str:
    text = stderr.lower()
    # Connection failures first: a refused connection never reached any authentication,
    # and its message holds a port number that may contain "403".
    if "failed to connect" in text or "could not resolve" in text or "connection refused" in text:
        return "unreachable"
    if "couldn't connect" in text or "could not connect" in text or "timed out" in text:
        return "unreachable"
    if "authentication failed" in text or "permission denied" in text or _HTTP_403.search(text):
        return "auth"
    if "could not read username" in text or "could not read password" in text:
        return "auth"
    if "not found" in text or "does not appear to be a git repository" in text:
        return "not_found"
    if "[rejected]" in text or "non-fast-forward" in text or "fetch first" in text:
        return "rejected"
    return "error"


def _last_words(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    interesting = [line for line in lines if line.startswith(("fatal:", "error:", "remote:"))]
    return (interesting or lines or [""])[-1][:300]


class Workspace:
    """A scratch repository for one publish to `remote`; removed, key file and all, on exit."""

    def __init__(self, remote: Remote, *, timeout: int | None = None):
        self.remote = remote
        self.timeout = timeout or settings.BLOG_GIT_TIMEOUT
        self.dir: Path | None = None

    def __enter__(self) -> "Workspace":
        self.dir = Path(tempfile.mkdtemp(prefix="studylog-git-"))
        os.chmod(self.dir, 0o700)
        self.env = self._environment()
        self.git("init", "--quiet", "--bare", str(self.dir / "repo.git"), cwd=self.dir)
        # A named remote (its URL holds no secret: the form refuses one), so that blobs
        # left out of the fetch are fetched from it when a conflict needs one.
        self.git("remote", "add", "blog", self.remote.url)
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def key_path(self) -> Path:
        return self.dir / "deploy_key"

    def _environment(self) -> dict[str, str]:
        home = self.dir / "home"
        home.mkdir()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LANG": "C",
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ALLOW_PROTOCOL": ":".join(allowed_protocols()),
            # No ssh agent or askpass of the server's own user.
            "SSH_ASKPASS": "/bin/false",
            "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=10",
        }
        askpass = self.dir / "askpass.sh"
        askpass.write_text(_ASKPASS)
        askpass.chmod(0o700)
        env["GIT_ASKPASS"] = str(askpass)
        env["STUDYLOG_GIT_USERNAME"] = TOKEN_USERNAME
        env["STUDYLOG_GIT_PASSWORD"] = ""
        if self.remote.kind == "token":
            env["STUDYLOG_GIT_PASSWORD"] = self.remote.secret
        elif self.remote.kind == "ssh_key":
            key = self.remote.secret.replace("\r\n", "\n").strip() + "\n"
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(key)
            known_hosts = self.dir / "known_hosts"
            env["GIT_SSH_COMMAND"] = (
                f"ssh -i {shlex.quote(str(self.key_path))} -o IdentitiesOnly=yes"
                " -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=accept-new"
                f" -o UserKnownHostsFile={shlex.quote(str(known_hosts))}"
            )
        return env

    def git(self, *args: str, cwd: Path | None = None, input: bytes | None = None) -> bytes:
        """Run git; its stdout, or GitError with scrubbed stderr."""
        command = [
            GIT,
            "-c",
            "credential.helper=",
            "-c",
            "http.lowSpeedLimit=1000",
            "-c",
            f"http.lowSpeedTime={max(5, self.timeout // 2)}",
            *args,
        ]
        process = subprocess.Popen(
            command,
            cwd=cwd or self.dir / "repo.git",
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a timeout kills git's helpers too
        )
        try:
            stdout, stderr = process.communicate(input, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise GitError("timeout") from None
        if process.returncode != 0:
            text = scrub(stderr.decode(errors="replace"), (self.remote.secret,))
            raise GitError(_classify(text), scrub(_last_words(text), (self.remote.secret,)))
        return stdout

    # The steps of a publish

    def fetch(self) -> str | None:
        """The branch's head commit and its trees, or None if there is no branch.

        Only the last commit, and without file contents where the server allows it
        (a blog full of images stays on the server): deciding needs only blob ids."""
        ref = f"refs/heads/{self.remote.branch}"
        try:
            self.git(
                "fetch",
                "--quiet",
                "--depth=1",
                "--filter=blob:none",
                "--no-tags",
                "blog",
                f"+{ref}:{ref}",
            )
        except GitError as exc:
            if "couldn't find remote ref" in exc.detail.lower():
                return None
            raise
        return self.git("rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()

    def blob_ids(self, commit: str | None, paths: list[str]) -> dict[str, str]:
        """Path -> blob id of those of `paths` that are files in `commit`."""
        if commit is None or not paths:
            return {}
        found = {}
        out = self.git("ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths)
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, path = entry.split(b"\t", 1)
            _mode, kind, sha = meta.split()
            if kind == b"blob":
                found[path.decode()] = sha.decode()
        return found

    def read_blob(self, sha: str) -> bytes:
        return self.git("cat-file", "blob", sha)

    def commit(self, parent: str | None, files: list[tuple[str, bytes]], message: str) -> str:
        """A commit on top of `parent` writing `files` (path in repo, content): one
        fast-import run however many files there are. Its id."""
        when = f"{int(time.time())} +0000"
        name, email = COMMITTER
        body = message.encode()
        stream = [
            b"commit refs/heads/studylog-publish\n",
            f"committer {name} <{email}> {when}\n".encode(),
            b"data %d\n" % len(body),
            body,
            b"\n",
        ]
        if parent:
            stream.append(f"from {parent}\n".encode())
        for path, data in files:
            stream += [f"M 100644 inline {path}\n".encode(), b"data %d\n" % len(data), data, b"\n"]
        stream.append(b"done\n")
        self.git("fast-import", "--quiet", "--done", input=b"".join(stream))
        return self.git("rev-parse", "refs/heads/studylog-publish").decode().strip()

    def push(self, commit: str) -> None:
        """Fast-forward the remote branch to `commit`; GitError("rejected") if it moved."""
        self.git("push", "--quiet", "blog", f"{commit}:refs/heads/{self.remote.branch}")
