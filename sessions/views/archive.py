"""Placeholder: being written."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


year = month = week = decisions = _todo
