"""Middleware: htmx requests that need a login get 401 instead of the login page; requests
that are not UTF-8 get 400; while the database cannot be reached, 503."""

import logging
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.db import OperationalError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

FORM_ENCODED = "application/x-www-form-urlencoded"
RETRY_AFTER = 5  # seconds: a restart or failover of the database takes about that

logger = logging.getLogger(__name__)


class HtmxLoginRequiredMiddleware:
    """@login_required redirects to the login page; htmx would follow the redirect and
    swap that page over the form being edited. Answer 401 so the page can keep the
    form (and what was typed in it) and say that the session ended."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            return HttpResponse(status=401)
        return response


def is_utf8_form_data(data: bytes) -> bool:
    """Whether urlencoded `data` (a query string or a form body) decodes to UTF-8 text,
    percent-escapes included."""
    try:
        unquote_to_bytes(data.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class RequireUtf8Middleware:
    """Answer 400 to a query string or a urlencoded form body that is not UTF-8.

    Django would quietly decode the bad bytes to U+FFFD, so "proposal=%FF%FE" from a
    script or a broken client would be saved as "��". Browsers send the pages' forms
    in UTF-8, so nobody using the site meets this. (Multipart bodies, the import
    page's, are left to their form: the importer refuses a file that is not UTF-8.)
    The body read here stays cached for request.POST; one over
    DATA_UPLOAD_MAX_MEMORY_SIZE raises RequestDataTooBig, which Django answers with
    400 too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_utf8_form_data(get_bytes_from_wsgi(request.META, "QUERY_STRING", "")):
            return self._refuse()
        if (
            request.method == "POST"
            and request.content_type == FORM_ENCODED
            and request.content_params.get("charset", "utf-8").lower() in ("utf-8", "utf8")
            and not is_utf8_form_data(request.body)
        ):
            return self._refuse()
        return self.get_response(request)

    def _refuse(self) -> HttpResponse:
        return HttpResponseBadRequest(
            _("The request is not UTF-8 text."), content_type="text/plain; charset=utf-8"
        )


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached (a restart, a failover) or gives up on a
    lock, answer 503 with Retry-After instead of a 500 and a traceback per request.
    Nothing was saved; the editor keeps what was typed, as after any failed save."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logger.warning("database unavailable: %s", str(exception).splitlines()[0])
        response = HttpResponse(
            _("Studylog cannot reach its database just now. Try again in a few seconds."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(RETRY_AFTER)
        return response
