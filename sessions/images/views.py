"""Uploading an image from a markdown editor, and fetching it back, for the team alone."""

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ..access import get_team_for
from ..models import Membership, TeamImage
from .processing import MAX_BYTES, ImageRefused, clean_image, too_large

# Room for the multipart envelope around one file of MAX_BYTES.
MAX_REQUEST = MAX_BYTES + 64 * 1024
# What of a file's name may become the image's alt text in markdown.
_ALT_UNSAFE = re.compile(r"[\[\]\\`*_<>!()\r\n\t]+")


def _refused(message: str) -> JsonResponse:
    # markdownx's form-error shape: {"field": [messages]}.
    return JsonResponse({"image": [message]}, status=400)


def _alt_text(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return _ALT_UNSAFE.sub(" ", stem).strip()[:80]


@login_required
@require_POST
def upload(request, team):
    """markdownx's upload endpoint: {"image_code": "![…](url)"} for a stored image."""
    team, _membership = get_team_for(request, team, write=True)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST:
        return _refused(too_large().message)
    upload = request.FILES.get("image")
    if upload is None:
        return _refused(_("Choose an image file to upload."))
    if upload.size > MAX_BYTES:
        return _refused(too_large().message)
    try:
        clean = clean_image(upload.read())
    except ImageRefused as refusal:
        return _refused(refusal.message)
    image = TeamImage.objects.store(team=team, uploader=request.user, clean=clean)
    url = image.get_absolute_url()
    return JsonResponse({"image_code": f"![{_alt_text(upload.name or '')}]({url})"})


def _moved(request, key: str, ext: str):
    """The address of an image whose team has a new slug, for a member of that team."""
    image = (
        TeamImage.objects.filter(key=key, ext=ext)
        .filter(
            team__in=Membership.objects.filter(user=request.user, is_active=True).values("team")
        )
        .select_related("team")
        .first()
    )
    if image is None:
        raise Http404("No such image")
    return redirect(image.get_absolute_url())


@login_required
@require_safe
def image(request, team, key, ext):
    """An image, to its team's members only, in a response no browser runs as a page."""
    try:
        team, _membership = get_team_for(request, team)
    except Http404:
        # Markdown written before a team changed its address still shows its images.
        return _moved(request, key, ext)
    found = (
        TeamImage.objects.for_team(team)
        .filter(key=key, ext=ext)
        .values("pk", "sha256", "content_type")
        .first()
    )
    if found is None:
        return _moved(request, key, ext)
    etag = f'"{found["sha256"]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        data = TeamImage.objects.filter(pk=found["pk"]).values_list("data", flat=True).get()
        response = HttpResponse(bytes(data), content_type=found["content_type"])
    response["ETag"] = etag
    # The browser may keep it (the key never points at other bytes), shared caches not.
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{key}.{ext}"'
    # Opened on its own, it is a document that may load nothing and run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
