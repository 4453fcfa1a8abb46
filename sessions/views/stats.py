"""Placeholder: being written."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


team_stats = member_stats = stats_csv = _todo
