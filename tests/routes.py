"""Every address the project serves, flattened out of its nested URLconf."""

from typing import NamedTuple

from django.urls import URLResolver, get_resolver


class Route(NamedTuple):
    route: str  # the whole pattern from the site's root, e.g. "teams/<slug:team>/days/"
    name: str | None


def routes(patterns=None, prefix: str = "") -> list[Route]:
    """The site's endpoints (or those under `patterns`), each with its full pattern."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append(Route(prefix + str(pattern.pattern), pattern.name))
    return found


def app_routes() -> list[Route]:
    """The endpoints of the app (sessions/urls.py), with their full patterns."""
    from sessions.urls import urlpatterns

    return routes(urlpatterns)
