"""Every API error as JSON: `{"code": "...", "message": "..."}`, with the fields' errors
under "errors" where a body was refused. Nothing is written by a refused request: each
write is one transaction, and a body is checked whole before it starts."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from ..closing import DayClosed
from ..services import Conflict
from .auth import ReadOnlyToken


class ApiError(Exception):
    """A refusal with its own code: raised by the endpoints."""

    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def body(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": str(message), **extra}


def install(api: NinjaAPI) -> None:
    def answer(request, status: int, code: str, message, **extra):
        return api.create_response(request, body(code, message, **extra), status=status)

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return answer(request, exc.status, exc.code, exc.message, **exc.extra)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return answer(request, 404, "not_found", _("Not found."))

    @api.exception_handler(ObjectDoesNotExist)
    def gone(request, exc):  # deleted while the request ran (a day, an item)
        return answer(request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        if isinstance(exc, ReadOnlyToken):
            return answer(request, 403, "read_only_token", _("This token may only read."))
        return answer(request, 403, "forbidden", _("Your role in this team may not do this."))

    @api.exception_handler(DayClosed)
    def closed(request, exc):
        return answer(request, 403, "day_closed", _("This day is closed."))

    @api.exception_handler(Conflict)
    def conflict(request, exc: Conflict):
        current = exc.current.version if exc.current is not None else None
        message = _("Someone saved this since the version you sent.")
        return answer(request, 409, "conflict", message, current_version=current)

    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        errors = [
            {"where": ".".join(str(part) for part in e.get("loc", ())), "message": e.get("msg")}
            for e in exc.errors
        ]
        return answer(request, 422, "invalid", _("The request was refused."), errors=errors)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request, exc):
        message = _("Send a personal access token: Authorization: Bearer slg_…")
        return answer(request, 401, "unauthorized", message)

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        return answer(request, 429, "rate_limited", _("Too many requests; wait a moment."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return answer(request, exc.status_code, "error", exc.message)
