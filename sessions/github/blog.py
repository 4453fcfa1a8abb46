"""The member's blog connection, with the token GitHub gave on the blog page.

The token is stored as any typed-in one is: encrypted (sessions/blog/crypto.py), never
shown again. GitHub scopes are broad: public_repo writes to every public repository of
the account, repo to every repository, which is why the blog page names them before
anyone is sent to GitHub, and still suggests a fine-grained token for one repository.
A token goes only to a blog on that GitHub server, by https: git hands the credential to
whatever host the remote names.
"""

from urllib.parse import urlsplit

from django.db import transaction

from ..blog import publishing
from ..models import BlogConnection
from .oauth import web_url

# What the blog page may ask for, and what the publish needs: either will do.
WRITE_SCOPES = frozenset({"public_repo", "repo"})


class NotOnGitHub(Exception):
    """The member's blog is connected somewhere a GitHub token must not be sent."""


def pages_repository(github_login: str) -> str:
    """Where a GitHub Pages blog of `github_login` lives: <login>.github.io."""
    return f"{web_url()}/{github_login}/{github_login}.github.io.git"


def on_github(remote_url: str) -> bool:
    """Whether `remote_url` is an https:// address on this GitHub server (an SSH
    address takes a deploy key, and another host must not see the token)."""
    remote, github = urlsplit(remote_url), urlsplit(web_url())
    return (remote.scheme, remote.netloc.lower()) == (github.scheme, github.netloc.lower())


def check_connection(user) -> None:
    """NotOnGitHub where `user`'s blog is connected to another host, or by SSH."""
    connection = BlogConnection.objects.filter(user=user).first()
    if connection is not None and not on_github(connection.remote_url):
        raise NotOnGitHub(connection.remote_url)


def take_token(user, token: str, *, github_login: str) -> BlogConnection:
    """Keep `token` as `user`'s blog credential. A member with no connection yet gets
    one to their GitHub Pages repository, which the blog page then shows to check; a
    connection elsewhere is left as it is (NotOnGitHub)."""
    with transaction.atomic():
        connection = BlogConnection.objects.select_for_update(no_key=True).filter(user=user).first()
        if connection is None:
            connection = BlogConnection(user=user, remote_url=pages_repository(github_login))
        elif not on_github(connection.remote_url):
            raise NotOnGitHub(connection.remote_url)
        connection.credential_kind = BlogConnection.Credential.TOKEN
        publishing.save_connection(connection, token)
    return connection
