"""Rows as the API's JSON, and JSON answers with an ETag that a matching If-None-Match
turns into 304 Not Modified."""

import datetime

from django.http import HttpRequest, HttpResponse

from ..kinds import KINDS, Kind
from . import stored


def value(v):
    if isinstance(v, datetime.datetime | datetime.date | datetime.time):
        return v.isoformat()
    return v


def member(m) -> dict | None:
    return None if m is None else {"id": m.pk, "name": m.display_name}


def item(kind: Kind, row) -> dict:
    """An item with every field the editor edits and the backup carries, its people as
    {id, name}, and the version an update must send back."""
    data = {"id": row.pk, "kind": kind.slug, "version": row.version}
    data |= {name: value(getattr(row, name)) for name in kind.backed_up}
    data |= {ref: member(getattr(row, ref)) for ref in kind.member_refs}
    if "presenters" in kind.prefetch:
        data["presenters"] = [member(m) for m in row.presenters.all()]
    data["updated_at"] = value(row.updated_at)
    return data


def day_summary(day) -> dict:
    return {
        "date": day.iso,
        "number": day.number,
        "title": day.display_title,
        "tags": day.tag_list,
        "closed": day.is_closed,
        "version": day.version,
    }


def day(day) -> dict:
    """A day (fetched with Day.objects.for_record) with every item, in the editor's order."""
    return {
        **day_summary(day),
        "moderator": member(day.moderator),
        "attendance": [
            {"member": member(a.member), "status": a.status, "note": a.note}
            for a in day.attendances.all()
        ],
        "items": {
            kind.slug: [item(kind, row) for row in getattr(day, kind.related).all()]
            for kind in KINDS.values()
        },
        "updated_at": value(day.updated_at),
    }


def log(log) -> dict:
    return {
        "member": member(log.member),
        "version": log.version,
        "visibility": log.visibility,
        "study_links": [
            {"title": link.title, "url": link.url, "color": link.color} for link in log.links.all()
        ],
        "study_notes": log.study_notes,
        "retrospective": log.retrospective,
        "updated_at": value(log.updated_at),
    }


def answer(request: HttpRequest, data=None, *, status: int = 200, encoded=None) -> HttpResponse:
    """`data` (or `encoded`: its body and ETag, from stored.kept) as JSON. A read carries
    an ETag of its body; a request whose If-None-Match names it gets 304 and no body."""
    content, tag = encoded or stored.encode(data)
    if request.method != "GET":
        return HttpResponse(content, status=status, content_type="application/json")
    asked = request.headers.get("If-None-Match", "")
    if tag in {t.strip().removeprefix("W/") for t in asked.split(",")} or asked.strip() == "*":
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content, status=status, content_type="application/json")
    response["ETag"] = tag
    return response
