"""The blog connection form: where the posts go and the credential, checked before saving.

A credential is write-only: the form never renders it back (not even after an error),
and leaving it blank keeps the one stored.
"""

import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .. import outbound
from ..models import BlogConnection
from . import crypto
from .git import scrub

Credential = BlogConnection.Credential

# git@github.com:me/blog.git; the host starts with a letter or digit, never an option.
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@([A-Za-z0-9][A-Za-z0-9.-]*):[^\s]+$")
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]+$")
_FOLDER = re.compile(r"^[^\\\s:*?\"<>|~^\x00-\x1f]*$")


class SecretTextarea(forms.Textarea):
    """A textarea that never shows its value again."""

    def format_value(self, value):
        return ""


class BlogConnectionForm(forms.ModelForm):
    token = forms.CharField(
        label=_("Access token"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "For GitHub: a fine-grained personal access token for this one repository, "
            "with Contents: read and write. Leave blank to keep the stored one."
        ),
    )
    ssh_key = forms.CharField(
        label=_("SSH deploy key (private key)"),
        required=False,
        strip=True,
        widget=SecretTextarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "The private half of a deploy key with write access to this repository. "
            "Leave blank to keep the stored one."
        ),
    )

    field_order = [
        "remote_url",
        "branch",
        "posts_folder",
        "assets_folder",
        "credential_kind",
        "token",
        "ssh_key",
        "publish_on_close",
    ]

    class Meta:
        model = BlogConnection
        fields = [
            "remote_url",
            "branch",
            "posts_folder",
            "assets_folder",
            "credential_kind",
            "publish_on_close",
        ]
        help_texts = {
            "remote_url": _(
                "e.g. https://github.com/me/me.github.io.git or git@github.com:me/me.github.io.git"
            ),
            "posts_folder": _("Where Jekyll reads posts from, usually _posts/"),
        }

    def clean_remote_url(self) -> str:
        url = self.cleaned_data["remote_url"].strip()
        if url.startswith("-") or any(c.isspace() for c in url):
            raise forms.ValidationError(_("Enter the repository's address as git clone takes it."))
        scp_like = _SCP_LIKE.match(url)
        if scp_like:
            if not settings.BLOG_ALLOW_LOCAL_REMOTES and _private(scp_like.group(1)):
                raise forms.ValidationError(
                    _("Studylog publishes only to repositories on the internet.")
                )
            return url
        parts = urlsplit(url)
        allowed = {"https", "ssh"}
        if settings.BLOG_ALLOW_LOCAL_REMOTES:
            allowed |= {"http", "file"}
        if parts.scheme not in allowed:
            raise forms.ValidationError(
                _("Use an https:// or SSH address (git@host:owner/repository.git).")
            )
        if parts.password is not None:
            # Never shown again, not even in the form that refuses it.
            self.data = self.data.copy()
            self.data[self.add_prefix("remote_url")] = scrub(url)
            raise forms.ValidationError(
                _("Do not put the token in the address: enter it in the token field.")
            )
        if parts.scheme != "file" and not _HOST.match(parts.hostname or ""):
            raise forms.ValidationError(_("The address has no host."))
        if parts.hostname and not settings.BLOG_ALLOW_LOCAL_REMOTES and _private(parts.hostname):
            raise forms.ValidationError(
                _("Studylog publishes only to repositories on the internet.")
            )
        return url

    def clean_branch(self) -> str:
        branch = self.cleaned_data["branch"].strip()
        if (
            not _BRANCH.match(branch)
            or branch.startswith(("-", "/", "."))
            or branch.endswith(("/", ".lock", "."))
            or ".." in branch
            or "//" in branch
        ):
            raise forms.ValidationError(_("Enter a branch name such as main or gh-pages."))
        return branch

    def _folder(self, name: str) -> str:
        folder = self.cleaned_data[name].strip().strip("/")
        if not _FOLDER.match(folder) or ".." in folder.split("/") or folder.startswith(".git"):
            raise forms.ValidationError(_("Enter a folder inside the repository, such as _posts/"))
        return f"{folder}/" if folder else ""

    def clean_posts_folder(self) -> str:
        return self._folder("posts_folder")

    def clean_assets_folder(self) -> str:
        return self._folder("assets_folder")

    def clean_ssh_key(self) -> str:
        key = self.cleaned_data["ssh_key"]
        if key and "PRIVATE KEY-----" not in key:
            raise forms.ValidationError(
                _("Paste the whole private key, from -----BEGIN to the END line.")
            )
        return key

    def clean(self):
        data = super().clean()
        kind, url = data.get("credential_kind"), data.get("remote_url")
        if not kind or not url:
            return data
        ssh = bool(_SCP_LIKE.match(url)) or url.startswith("ssh://")
        stored = self.instance.pk and self.instance.credential_kind == kind
        stored = stored and bool(self.instance.credential)
        if kind == Credential.TOKEN:
            if ssh:
                self.add_error("credential_kind", _("A token works with an https:// address."))
            elif not data.get("token") and not stored:
                self.add_error("token", _("Enter the access token."))
        elif kind == Credential.SSH_KEY:
            if not ssh:
                self.add_error("credential_kind", _("A deploy key works with an SSH address."))
            elif not data.get("ssh_key") and not stored:
                self.add_error("ssh_key", _("Paste the deploy key."))
        secret = data.get("token") if kind == Credential.TOKEN else data.get("ssh_key")
        if kind != Credential.NONE and secret and not crypto.configured():
            self.add_error(
                None,
                crypto.NOT_CONFIGURED,
            )
        return data

    def new_secret(self) -> str | None:
        """The credential typed in, if any (None: keep the stored one)."""
        kind = self.cleaned_data["credential_kind"]
        if kind == Credential.NONE:
            return ""
        secret = self.cleaned_data["token" if kind == Credential.TOKEN else "ssh_key"]
        return secret or None


def _private(host: str) -> bool:
    """Whether `host` is on the server's own network: localhost, or a name or address
    that outbound.public_address (the check team webhooks go through) refuses. A name
    that does not resolve here is left to the publish, which reports it unreachable."""
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        outbound.public_address(host.strip("[]"), 443)
    except outbound.NotPublic:
        return True
    except (OSError, UnicodeError, ValueError):
        return False
    return False
