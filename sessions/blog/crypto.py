"""Blog credentials at rest: Fernet under the keys in settings.BLOG_CREDENTIALS_KEYS.

The first key encrypts; every key decrypts (MultiFernet), so a key is rotated by
putting the new one first and re-encrypting (`manage.py publish_posts --rotate-keys`).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# What a member is told where this server cannot store a credential.
NOT_CONFIGURED = _("This server cannot store credentials yet (BLOG_CREDENTIALS_KEY is not set).")


class CredentialUnreadable(Exception):
    """The stored credential does not decrypt under any configured key."""


def configured() -> bool:
    return bool(settings.BLOG_CREDENTIALS_KEYS)


def _fernet() -> MultiFernet:
    keys = settings.BLOG_CREDENTIALS_KEYS
    if not keys:
        raise ImproperlyConfigured("BLOG_CREDENTIALS_KEY is not set: credentials cannot be stored.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "BLOG_CREDENTIALS_KEY holds a key that is not a Fernet key (32 url-safe base64 bytes)."
        ) from exc


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialUnreadable from exc


def rotate(token: str) -> str:
    """`token` re-encrypted under the first key."""
    return _fernet().rotate(token.encode()).decode() if token else token
