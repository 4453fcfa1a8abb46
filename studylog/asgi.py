"""ASGI entry point: the pages (Django) and the live editing sockets (Channels).

Sockets are authenticated with the Django session (AuthMiddlewareStack) and refused
unless their Origin is one of ALLOWED_HOSTS, so another site cannot open one with a
visitor's cookies. At most HTTP_CONCURRENCY requests are inside Django at once
(studylog/bounded.py); the others wait their turn.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studylog.settings")
django_application = get_asgi_application()  # sets Django up before the consumers import

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from sessions import korean  # noqa: E402
from sessions.live.routing import websocket_urlpatterns  # noqa: E402
from studylog.bounded import Bounded  # noqa: E402

korean.warm()  # the search index's analyzer, loaded before the first save needs it

application = ProtocolTypeRouter(
    {
        "http": Bounded(
            django_application, settings.HTTP_CONCURRENCY, unbounded_prefix=settings.STATIC_URL
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
