"""Placeholder: being written."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


follow_up_list = resolve = reopen = mentor_queue = mentor_answer = _todo
