from channels.generic.websocket import AsyncJsonWebsocketConsumer


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        await self.send_json({"type": "hello", "authenticated": bool(user and user.is_authenticated)})
