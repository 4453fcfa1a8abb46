"""/healthz: for load balancers, whether this process can reach its database; /ping:
whether a browser is still logged in."""

import logging

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: the database is unreachable")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
@login_required
@require_GET
def ping(request):
    """Whether this browser is still logged in: 200 "ok", or the login redirect.

    It does nothing else, through the same middleware, session and login as every page,
    which makes it bench/pages.py's floor: what any logged-in page costs before its
    own work.
    """
    return HttpResponse("ok", content_type="text/plain")
