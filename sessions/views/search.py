"""The search page: a team's days that contain every word, grouped by day."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import search as search_days
from ..access import get_team_for
from ..forms.search import SearchForm, filters_in_use


@login_required
def search(request, team):
    team, membership = get_team_for(request, team)
    form = SearchForm(request.GET or None, team=team)
    result = None
    if form.is_valid():
        result = search_days.search(
            team,
            membership,
            form.cleaned_data["q"],
            filters=form.filters(),
            sort=form.ordering(),
            page=request.GET.get("page"),
        )
    return render(
        request,
        "peer/search.html",
        {
            "team": team,
            "membership": membership,
            "form": form,
            "result": result,
            "filters_open": filters_in_use(form) or not form.is_valid(),
        },
    )
