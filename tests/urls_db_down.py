"""URLs for tests/test_production.py: a view whose database is gone."""

from django.db import OperationalError
from django.urls import path


def database_down(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


urlpatterns = [path("down/", database_down)]
