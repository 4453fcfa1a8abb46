"""The live editing sockets' addresses, beside the pages' (studylog/asgi.py)."""

from django.urls import path

from .. import urls  # noqa: F401 (registers the "isodate" converter the pages use)
from .consumer import LiveConsumer, LogConsumer

websocket_urlpatterns = [
    path("ws/teams/<slug:team>/days/<isodate:date>/", LiveConsumer.as_asgi()),
    path("ws/teams/<slug:team>/days/<isodate:date>/log/", LogConsumer.as_asgi()),
]
