"""Middleware: htmx requests that need a login get 401 instead of the login page."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url


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
