"""django-csp's middleware, with GitHub's sign-in page among the places a form may go.

A form's redirect is held to the policy's form-action as the form itself is, and
"Continue with GitHub" posts here to be sent on to GitHub's authorize page: without its
origin, the browser would stop there. It is added only while GitHub sign-in is on, and
read from the same setting the sign-in uses.
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware as BaseCSPMiddleware

from . import enabled
from .oauth import web_url


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if enabled():
            url = urlsplit(web_url())
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), f"{url.scheme}://{url.netloc}"]
            parts.update = update
        return parts
