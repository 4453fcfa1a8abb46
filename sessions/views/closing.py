"""Closing and reopening a day."""

from django.http import HttpResponse


def close_day(request, team, date):
    return HttpResponse(status=501)  # not built yet


def reopen_day(request, team, date):
    return HttpResponse(status=501)  # not built yet
