"""The member's blog connection, with the token GitHub gave on the blog page.

The token is stored as any typed-in one is: encrypted (sessions/blog/crypto.py), never
shown again. GitHub scopes are broad: public_repo writes to every public repository of
the account, repo to every repository, which is why the blog page names them before
anyone is sent to GitHub, and still suggests a fine-grained token for one repository.
"""

from django.db import transaction

from ..blog import publishing
from ..models import BlogConnection
from .oauth import web_url

# What the blog page may ask for, and what the publish needs: either will do.
BLOG_SCOPES = {"public_repo": "public_repo", "repo": "repo"}
WRITE_SCOPES = set(BLOG_SCOPES)


def pages_repository(github_login: str) -> str:
    """Where a GitHub Pages blog of `github_login` lives: <login>.github.io."""
    return f"{web_url()}/{github_login}/{github_login}.github.io.git"


def take_token(user, token: str, *, github_login: str) -> BlogConnection:
    """Keep `token` as `user`'s blog credential. A member with no connection yet gets
    one to their GitHub Pages repository, which the blog page then shows to check."""
    with transaction.atomic():
        connection = BlogConnection.objects.select_for_update(no_key=True).filter(user=user).first()
        if connection is None:
            connection = BlogConnection(user=user, remote_url=pages_repository(github_login))
        connection.credential_kind = BlogConnection.Credential.TOKEN
        publishing.save_connection(connection, token)
    return connection
