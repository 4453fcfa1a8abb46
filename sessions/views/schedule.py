"""The moderator schedule page: rotation, swaps, substitutes, skipped dates."""

from django.http import HttpResponse


def schedule_page(request, team):
    return HttpResponse(status=501)  # not built yet


def swap_dates(request, team):
    return HttpResponse(status=501)  # not built yet


def substitute(request, team):
    return HttpResponse(status=501)  # not built yet


def skip_date(request, team):
    return HttpResponse(status=501)  # not built yet


def unskip_date(request, team, pk):
    return HttpResponse(status=501)  # not built yet
