"""The presenter's view's socket: a follower is told each of the moderator's moves as it
happens, instead of asking every second.

/ws/teams/<team>/days/<date>/present/ takes a logged-in active member of the team (else
it is refused before the handshake) and sends where the moderator has everyone: once on
connect, then at every move (sessions/presenter.py moves, live/notify.py tells). Moves
still come by POST, which checks who may move; this socket only listens, and closes on
anything a browser sends. Without the live layer the page polls, as before. A member
removed while listening hears positions (part numbers, never content) until they leave
the page.
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .. import presenter
from .consumer import Access
from .names import group_name
from .rooms import off_loop

REFUSED, BAD_MESSAGE = 4403, 4400


class PresentConsumer(AsyncJsonWebsocketConsumer):
    group = ""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=REFUSED)
            return
        route = self.scope["url_route"]["kwargs"]
        # Who may open the day's live document may follow its presenter's view.
        access = await off_loop(Access.load)(user, route["team"], route["date"], "day")
        if access is None:
            await self.close(code=REFUSED)
            return
        day = access.day
        self.group = group_name("present", day.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(await off_loop(presenter.position)(day))

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        await self.close(code=BAD_MESSAGE)  # followers only listen

    async def present_moved(self, event):
        await self.send_json(event["position"])
