"""markdownx's live preview, behind login and team membership; uploads are off."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import get_team_for
from ..markdown import MAX_INPUT, render_markdown


@login_required
@require_POST
def markdown_preview(request, team):
    get_team_for(request, team)
    content = request.POST.get("content", "")
    if len(content) > MAX_INPUT:
        return HttpResponse(_("The text is too long to preview."), status=400)
    return HttpResponse(render_markdown(content))


@login_required
@require_POST
def markdown_upload(request, team):
    get_team_for(request, team, write=True)
    return JsonResponse({"image": [_("Image uploads are not available.")]}, status=400)
