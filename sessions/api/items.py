"""Writing a day's items: create, update (with the editor's version check), delete.

A body is checked whole by the editor's own form of that kind (the same limits, member
pickers and rules), then saved by the same service in one transaction: refused in full,
never half written. People are named by their member id.
"""

import datetime
from typing import Any

from django import forms
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Router

from .. import access, reviewers, services
from ..day_templates import item_start
from ..forms.items import double_booked_message
from ..kinds import KINDS, Kind
from . import serialize
from .auth import day_for
from .errors import ApiError

router = Router(tags=["items"])


def _kind(slug: str) -> Kind:
    kind = KINDS.get(slug)
    if kind is None:
        raise ApiError(404, "not_found", _("No such kind of item."))
    return kind


def _writer(request, team: str, date: datetime.date, kind: Kind):
    """The day for a change to one kind of item, as the editor allows it."""
    team, membership, day = day_for(request, team, date, write=True)
    access.require_item_writer(day, membership, kind)
    return team, membership, day


def text_ok(value: str) -> bool:
    """Text the database can store: JSON may carry a lone surrogate ("\\ud800"), which no
    UTF-8 column takes, and NUL, which PostgreSQL's text refuses."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def _typed(field, value) -> bool:
    """Whether a JSON value is of the kind its form field takes: true or false for a
    checkbox, a list of member ids for several people, a member id (or null) for one,
    text (or null) for everything else. Anything else is refused, not guessed at."""
    if isinstance(field, forms.BooleanField):
        return isinstance(value, bool)
    if isinstance(field, forms.ModelMultipleChoiceField):
        return isinstance(value, list) and all(type(v) is int for v in value)
    if isinstance(field, forms.ModelChoiceField):
        return value is None or type(value) is int
    return value is None or (isinstance(value, str) and text_ok(value))


def _fields(kind: Kind, payload: dict) -> dict:
    """The body's fields, each one the form of its kind edits, each of the JSON type its
    field takes; anything else refuses the whole body."""
    fields = {name: f for name, f in kind.form.base_fields.items() if name != "version"}
    unknown = sorted(set(payload) - set(fields) - {"version"})
    if unknown:
        raise ApiError(
            422,
            "invalid",
            _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)},
            fields=sorted(fields),
        )
    wrong = sorted(
        name
        for name, value in payload.items()
        if name in fields and not _typed(fields[name], value)
    )
    if wrong:
        message = _("%(name)s has a value of the wrong type.") % {"name": ", ".join(wrong)}
        raise ApiError(422, "invalid", message, errors={name: [message] for name in wrong})
    return {name: value for name, value in payload.items() if name != "version"}


def _refused(form) -> ApiError:
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return ApiError(422, "invalid", _("The item was refused."), errors=errors)


def _save(kind: Kind, form, *, expected_version, user):
    try:
        return reviewers.save_any(kind, form, expected_version=expected_version, user=user)
    except reviewers.DoubleBooked as booked:
        message = double_booked_message(booked.member)
        raise ApiError(422, "invalid", message, errors={"presenters": [message]}) from None


def _fresh(kind: Kind, day, pk: int) -> dict:
    return serialize.item(kind, kind.queryset(day).get(pk=pk))


@router.post("/teams/{team}/days/{date}/items/{kind}", summary="Add an item")
def create(
    request: HttpRequest,
    team: str,
    date: datetime.date,
    kind: str,
    payload: Body[dict[str, Any]],
):
    kind = _kind(kind)
    team, _membership, day = _writer(request, team, date, kind)
    start = item_start(kind.slug, day)  # a review's outline, from the day's template
    data = {**start, **_fields(kind, payload)}
    instance = kind.model(day=day, **start)
    form = kind.form(data, team=team, instance=instance)
    if not form.is_valid():
        raise _refused(form)
    row = _save(kind, form, expected_version=None, user=request.user)
    return serialize.answer(request, _fresh(kind, day, row.pk), status=201)


@router.patch("/teams/{team}/days/{date}/items/{kind}/{pk}", summary="Change an item")
def update(
    request: HttpRequest,
    team: str,
    date: datetime.date,
    kind: str,
    pk: int,
    payload: Body[dict[str, Any]],
):
    """Send the `version` you read; what you leave out keeps its value. Someone else's
    save since that version refuses yours (409, with the current version)."""
    kind = _kind(kind)
    team, _membership, day = _writer(request, team, date, kind)
    row = kind.queryset(day).filter(pk=pk).first()
    if row is None:
        raise ApiError(404, "not_found", _("No such item in this day."))
    version = payload.get("version")
    if type(version) is not int:
        raise ApiError(422, "invalid", _("Send the version you read, as a number."))
    current = model_to_dict(row, fields=[f for f in kind.form.base_fields if f != "version"])
    current = {
        name: [m.pk for m in value] if isinstance(value, list) else value
        for name, value in current.items()
    }
    form = kind.form(
        {**current, **_fields(kind, payload), "version": version}, team=team, instance=row
    )
    if not form.is_valid():
        raise _refused(form)
    _save(kind, form, expected_version=version, user=request.user)
    return serialize.answer(request, _fresh(kind, day, pk))


@router.delete("/teams/{team}/days/{date}/items/{kind}/{pk}", summary="Delete an item")
def delete(request: HttpRequest, team: str, date: datetime.date, kind: str, pk: int, version: int):
    kind = _kind(kind)
    _team, _membership, day = _writer(request, team, date, kind)
    row = kind.queryset(day).filter(pk=pk).first()
    if row is None:
        raise ApiError(404, "not_found", _("No such item in this day."))
    services.delete_item(row, expected_version=version, user=request.user)
    return serialize.answer(request, {"deleted": pk})
