"""The presenter's view's socket (sessions/live/present.py): who may listen, and that a
follower hears the moderator's moves as they happen, through Channels' in-memory layer."""

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from sessions import presenter
from sessions.live.routing import websocket_urlpatterns

from .live_peer import run_async
from .test_live_socket import in_thread

pytestmark = pytest.mark.django_db(transaction=True)

ROUTER = URLRouter(websocket_urlpatterns)
PATH = "/ws/teams/alpha/days/2024-03-04/present/"


def listener(user, path=PATH) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(ROUTER, path)
    if user is not None:
        communicator.scope["user"] = user
    return communicator


def test_a_follower_hears_each_move_as_it_happens(team_observer, team_admin, day):
    async def body():
        follower = listener(team_observer)  # the mentor follows too
        connected, _ = await follower.connect(timeout=5)
        assert connected
        first = await follower.receive_json_from(timeout=2)
        assert first["index"] is None and first["now"] > 0  # nobody has moved yet

        await in_thread(presenter.move, day, 2)
        moved = await follower.receive_json_from(timeout=2)
        assert moved["index"] == 2 and moved["moved_at"] <= moved["now"]

        await in_thread(presenter.move, day, 3)
        assert (await follower.receive_json_from(timeout=2))["index"] == 3
        await follower.disconnect()

    run_async(body)


def test_a_late_follower_starts_where_the_moderator_is(team_member, day):
    presenter.move(day, 4)

    async def body():
        follower = listener(team_member)
        assert (await follower.connect(timeout=5))[0]
        assert (await follower.receive_json_from(timeout=2))["index"] == 4
        await follower.disconnect()

    run_async(body)


def test_the_pages_move_reaches_the_socket(team_admin, team_member, day, as_admin):
    """The moderator's POST (as present.js sends it) is what followers hear."""
    url = reverse("peer:present_position", args=["alpha", day.date])

    async def body():
        follower = listener(team_member)
        assert (await follower.connect(timeout=5))[0]
        await follower.receive_json_from(timeout=2)
        response = await in_thread(as_admin.post, url, {"index": "1"})
        assert response.status_code == 200
        assert (await follower.receive_json_from(timeout=2))["index"] == 1
        await follower.disconnect()

    run_async(body)


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_only_the_team_may_listen(who, outsider, day):
    user = outsider if who == "outsider" else None

    async def body():
        connected, _ = await listener(user).connect(timeout=5)
        assert not connected

    run_async(body)


def test_a_day_that_is_not_there_is_refused(team_member, day):
    async def body():
        path = "/ws/teams/alpha/days/2024-03-05/present/"
        connected, _ = await listener(team_member, path).connect(timeout=5)
        assert not connected

    run_async(body)


def test_a_follower_that_talks_is_closed(team_member, day):
    """Moves come by POST, which checks who may move; the socket only listens."""

    async def body():
        follower = listener(team_member)
        assert (await follower.connect(timeout=5))[0]
        await follower.receive_json_from(timeout=2)
        await follower.send_json_to({"index": 7})
        closed = await follower.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": 4400}

    run_async(body)
    assert presenter.position(day)["index"] is None
