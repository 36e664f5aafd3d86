"""A TCP proxy on 127.0.0.1 that plays a failing server (PostgreSQL, Redis) for the fault suite.

Stopping, killing or freezing the machine's shared PostgreSQL would break everything else that
uses it, so the bot under test reaches it through this proxy, which can:
- ``stop()``: refuse new connections and close open ones cleanly (a server shut down);
- ``kill()``: reset every open connection and refuse new ones (a server killed with -9);
- ``freeze()``: keep every connection open and accept new ones, but pass no byte either way
  (a server paused with SIGSTOP, or a network that swallows packets);
- ``resume()``: behave as the real server again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

from bots.testing.local import free_port

CHUNK = 65536


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.faults = 0  # faults injected so far (stop, kill, freeze)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._refusing = False

    async def start(self) -> None:
        self.port = free_port()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def close(self) -> None:
        self._drop_all(reset=False)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def stop(self) -> None:
        self.faults += 1
        self._refusing = True
        self._drop_all(reset=False)

    def kill(self) -> None:
        self.faults += 1
        self._refusing = True
        self._drop_all(reset=True)

    def freeze(self) -> None:
        self.faults += 1
        self._flowing.clear()

    def resume(self) -> None:
        self._refusing = False
        self._flowing.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._refusing:
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _reset(writer)
            return
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            for end in (writer, up_writer):
                self._writers.discard(end)
                end.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(CHUNK):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    def _drop_all(self, reset: bool) -> None:
        for writer in list(self._writers):
            if reset:
                _reset(writer)
            else:
                writer.close()
        self._writers.clear()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN, as a killed process's kernel does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()
