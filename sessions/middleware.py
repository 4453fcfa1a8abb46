"""Middleware: htmx requests that need a login get 401 instead of the login page; requests
that are not UTF-8 get 400."""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

FORM_ENCODED = "application/x-www-form-urlencoded"


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
