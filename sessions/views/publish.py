"""Publishing to members' Jekyll blogs and bringing their old posts in."""

from django.http import HttpResponse


def export_post(request, team, date, member):
    return HttpResponse(status=501)  # not built yet


def export_zip(request, team, member):
    return HttpResponse(status=501)  # not built yet


def import_page(request, team):
    return HttpResponse(status=501)  # not built yet
