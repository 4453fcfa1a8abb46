"""The live sockets' addresses, beside the pages' (studylog/asgi.py): the day's shared
document, the caller's own log, and the presenter's view following the moderator."""

from django.urls import path

from .. import urls  # noqa: F401 (registers the "isodate" converter the pages use)
from .consumer import LiveConsumer, LogConsumer
from .present import PresentConsumer

websocket_urlpatterns = [
    path("ws/teams/<slug:team>/days/<isodate:date>/", LiveConsumer.as_asgi()),
    path("ws/teams/<slug:team>/days/<isodate:date>/log/", LogConsumer.as_asgi()),
    path("ws/teams/<slug:team>/days/<isodate:date>/present/", PresentConsumer.as_asgi()),
]
