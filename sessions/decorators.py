"""View decorators that several view modules share."""

from functools import wraps

from django.shortcuts import render

from .closing import DayClosed


def refuse_when_closed(view):
    """Answer a write to a closed day with 403; for htmx, with a notice to show.

    htmx swaps no 403 by default; studylog.js puts this one (marked X-Day-Closed) at
    the top of the part the user was working on, leaving what they typed in place.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DayClosed:
            if not request.htmx:
                raise
            response = render(request, "peer/edit/_closed_refusal.html", status=403)
            response["X-Day-Closed"] = "1"
            return response

    return wrapper
