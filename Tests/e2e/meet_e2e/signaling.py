"""One participant's signaling socket, speaking the WebSocket protocol of
docs/signaling.md: `request()` sends a message with an id and returns the
reply (raising `SignalError` on `error`); events queue up for `next_event()`
and every frame is kept in `seen`.
"""
from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.client import connect


class SignalError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


class Signal:
    """One participant's signaling socket."""

    def __init__(self, name: str):
        self.name = name
        self.events: asyncio.Queue = asyncio.Queue()
        self.seen: list[dict] = []
        self._pending: dict[str, asyncio.Future] = {}
        self._counter = 0
        self._socket = None
        self._reader: asyncio.Task | None = None
        self.closed = asyncio.Event()

    async def connect(self, url: str, join_token: str, open_timeout: float = 15, headers: dict | None = None) -> None:
        """Opens the socket; `headers` go on the upgrade request (as an ingress would add them)."""
        self._socket = await connect(f"{url}?token={join_token}", open_timeout=open_timeout, additional_headers=headers)
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self._socket:
                message = json.loads(frame)
                self.seen.append(message)
                future = self._pending.pop(message.get("id") or "", None)
                if future is not None and not future.done():
                    future.set_result(message)
                else:
                    await self.events.put(message)
        except Exception:
            pass
        finally:
            self.closed.set()

    async def request(self, type_: str, data: dict | None = None, timeout: float = 20.0) -> dict:
        self._counter += 1
        request_id = f"{self.name}-{self._counter}"
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        frame = {"type": type_, "id": request_id}
        if data is not None:
            frame["data"] = data
        await self._socket.send(json.dumps(frame))
        reply = await asyncio.wait_for(future, timeout)
        if reply["type"] == "error":
            raise SignalError(reply["data"]["code"], reply["data"].get("message", ""))
        return reply

    async def next_event(self, type_: str, match=lambda data: True, timeout: float = 20.0) -> dict:
        """The next event of `type_` whose data satisfies `match` (others are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no {type_} event within {timeout}s; saw {[m['type'] for m in self.seen]}")
            try:
                message = await asyncio.wait_for(self.events.get(), remaining)
            except asyncio.TimeoutError:
                continue
            if message["type"] == type_ and match(message.get("data", {})):
                return message["data"]

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
