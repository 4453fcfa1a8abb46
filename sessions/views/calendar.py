"""Each member's iCalendar feed of their duties, and revoking its secret address."""

from django.http import HttpResponse


def calendar_settings(request, team):
    return HttpResponse(status=501)  # not built yet


def revoke(request, team):
    return HttpResponse(status=501)  # not built yet


def feed(request, token):
    return HttpResponse(status=501)  # not built yet
