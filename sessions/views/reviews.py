"""Assigning the day's review presenters: the fair suggestion and applying it."""

from django.http import HttpResponse


def suggest(request, team, date):
    return HttpResponse(status=501)  # not built yet


def assign(request, team, date):
    return HttpResponse(status=501)  # not built yet
