"""Requests Studylog makes to addresses its users typed (team webhooks), kept off the
server's own network.

A team admin chooses the webhook URL, so without a check it could point at the
database, Redis or a cloud metadata service next to the server. Every connection
resolves the host once, refuses any address that is not public (loopback, private,
link-local, reserved…), and connects to exactly the address it checked, so a DNS
answer that changes between the check and the connection cannot slip past.
"""

import http.client
import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings


class NotPublic(OSError):
    """The host resolves to an address on the server's own network."""


def public_address(host: str, port: int) -> str:
    """The first address of `host` if every address it resolves to is public."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    if not getattr(settings, "OUTBOUND_ALLOW_PRIVATE", False):
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise NotPublic(f"{host} resolves to {address}, which is not a public address")
    return addresses[0]


class _HTTPConnection(http.client.HTTPConnection):
    def connect(self):
        address = public_address(self.host, self.port)
        self.sock = socket.create_connection((address, self.port), self.timeout)


class _HTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        address = public_address(self.host, self.port)
        sock = socket.create_connection((address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook answers where it is: following a redirect would turn the POST into a
    GET without its body (and could lead anywhere)."""

    def redirect_request(self, *args, **kwargs):
        return None


def opener(*handlers) -> urllib.request.OpenerDirector:
    """urllib's opener, connecting only to public addresses (and not through proxies,
    whose own address would be checked instead of the target's)."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _HTTPHandler, _HTTPSHandler, *handlers
    )


def not_public(url: str) -> bool:
    """Whether sending to `url` would always be refused (public_address), for forms to say
    so beside the field. A name that does not resolve now, or a bad port, is not refused
    here: sending reports it if it still does not."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        public_address(parts.hostname or "", port)
    except NotPublic:
        return True
    except (OSError, UnicodeError, ValueError):
        return False
    return False


def post_json(url: str, body: bytes, headers: dict, *, timeout: float) -> int:
    """POST `body` as JSON to a public address, following no redirect: the answer's
    status code, an error status included. Raises OSError or ValueError when there is
    no answer (refused, timed out, a private address, a malformed URL)."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"} | headers
    )
    try:
        with opener(NoRedirects).open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def site_url(path: str) -> str:
    """`path` on this site as links sent out of it name it (SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path
