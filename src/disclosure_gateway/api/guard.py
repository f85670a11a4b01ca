"""ASGI middleware for the API's paths: a byte limit on bodies and no-store headers.

Every body but a batch upload (which streams and counts its own bytes, see `upload.py`)
is refused with 413 past `limit`: by its Content-Length up front, or while it is read
(such a body is small, so it is read whole here and replayed to the app). Every answer
under `/api/` is marked `Cache-Control: no-store` (it may carry taxpayer data) and
`X-Content-Type-Options: nosniff`.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from disclosure_gateway.api.errors import envelope
from disclosure_gateway.api.upload import too_large

API_PREFIX = "/api/v1"
UPLOAD_PATH = f"{API_PREFIX}/batches"
HEADERS = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


class ApiGuard:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        send = self._with_headers(send) if path.startswith("/api/") else send
        if scope.get("method") == "POST" and path.rstrip("/") == UPLOAD_PATH:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        replay = await self._buffered(receive)
        if replay is None:
            await self._refuse(send)
            return
        await self.app(scope, replay, send)

    async def _buffered(self, receive: Receive) -> Receive | None:
        """The whole body read up front (it is small), replayed; None once past the limit."""
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.limit:
                return None
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        return replay

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        return sending

    async def _refuse(self, send: Send) -> None:
        refusal = too_large(self.limit)
        body = json.dumps(envelope(refusal.code, str(refusal))).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
