"""The app served over ASGI (uvicorn) in a thread of the test process, sockets and all.

pytest-django's live_server is WSGI: pages only. The live editing tests need the
WebSocket side too, so they run the project's ASGI application (studylog/asgi.py) under
uvicorn here, with static files served from the finders as live_server does. Being in
this process, it reads the test database and the in-memory channel layer; tests that
use it need committed rows (transactional_db).
"""

import socket
import threading
import time

import uvicorn
from channels.routing import ProtocolTypeRouter
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def application():
    from studylog.asgi import application as project

    return ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(get_asgi_application()),
            "websocket": project.application_mapping["websocket"],
        }
    )


class ThreadedServer:
    """`port`: a server started again where one stopped (the browser reconnects to it)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            application(),
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            ws="websockets-sansio",
            log_level="warning",
            loop="asyncio",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="asgi-test-server")

    def __enter__(self) -> "ThreadedServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the ASGI test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
