"""Studylog's HTTP API under /api/v1/: django-ninja, with its OpenAPI schema at
/api/v1/openapi.json and its docs at /api/v1/docs.

Every endpoint takes a personal access token (auth.py) and reaches teams through the
web's own access helper, so an outsider gets 404 and an observer 403 on writes, exactly
as on the pages. Errors are JSON with a code and a message (errors.py); reads carry an
ETag (serialize.py); each token has a rate limit (settings.API_RATE).
"""

from csp.decorators import csp_update
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from . import days, errors, find, items
from .auth import TokenAuth, TokenRateThrottle

# Swagger UI (from ninja's own static files) styles its widgets inline and draws icons
# as data: images: allowed on the docs page alone.
_docs_csp = csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]})

api = NinjaAPI(
    title="Studylog API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    throttle=[TokenRateThrottle()],
    docs_decorator=_docs_csp,
)
errors.install(api)


@api.get("/ping", summary="Nothing but the token check (for monitoring and benchmarks)")
def ping(request):
    return {"ok": True}


api.add_router("", days.router)
api.add_router("", items.router)
api.add_router("", find.router)


def not_found(request, rest: str = ""):
    """Any other address under /api/v1/: the API's JSON 404, not the site's HTML page."""
    return JsonResponse(errors.body("not_found", _("No such API endpoint.")), status=404)
