"""markdownx's live preview and image upload, behind login and team membership."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import get_team_for
from ..images.views import upload as markdown_upload  # noqa: F401 - routed as peer:markdown_upload
from ..markdown import MAX_INPUT, render_markdown


@login_required
@require_POST
def markdown_preview(request, team):
    get_team_for(request, team)
    content = request.POST.get("content", "")
    if len(content) > MAX_INPUT:
        return HttpResponse(_("The text is too long to preview."), status=400)
    return HttpResponse(render_markdown(content))
