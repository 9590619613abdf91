"""A small forwarding proxy on 127.0.0.1 for tests: HTTP (CONNECT tunnels and absolute-URI
forwarding) or SOCKS5, with a user name and password. It resolves host names from its own
table, so a name only it knows (``api.telegram.invalid``) can be reached through it and in
no other way; and it keeps what clients sent through it, to show which requests it carried.

Also ``LateServer``: a port that refuses connections until told to relay them to a server
(Telegram unreachable at first, then back)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import re
import socket
import struct
from types import TracebackType
from typing import Literal, Self

Kind = Literal["http", "socks5"]
_REQUEST_LINE = re.compile(rb"(?:GET|POST|HEAD|PUT|DELETE|OPTIONS) (\S+) HTTP/1\.[01]\r\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: bytearray | None
) -> None:
    try:
        while chunk := await reader.read(65536):
            if seen is not None:
                seen += chunk
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _splice(
    client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    seen: bytearray | None,
) -> None:
    """Carry bytes both ways until either side closes; then close both."""
    try:
        await asyncio.gather(
            _pipe(client[0], upstream[1], seen), _pipe(upstream[0], client[1], None)
        )
    finally:
        upstream[1].close()
        client[1].close()


class TestProxy:
    """``async with TestProxy("socks5", "user", "pass", {"api.telegram.invalid": "127.0.0.1"})``;
    ``proxy.url`` for the client, ``proxy.requests()`` the request targets it carried."""

    __test__ = False  # not a pytest test class

    def __init__(
        self, kind: Kind, username: str, password: str, hosts: dict[str, str] | None = None
    ) -> None:
        self.kind = kind
        self.username = username
        self.password = password
        self.hosts = hosts or {}
        self.port = 0
        self.tunnels: list[str] = []  # "host:port" of each connection made for a client
        self.refused: int = 0  # clients that did not give the right credentials
        self._traffic: list[bytearray] = []  # what clients sent, per connection
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._upstreams: list[asyncio.StreamWriter] = []

    @property
    def url(self) -> str:
        return f"{self.kind}://{self.username}:{self.password}@127.0.0.1:{self.port}"

    def requests(self) -> list[str]:
        """Targets of the HTTP requests carried (``/bot…/getMe``, ``http://host/…``)."""
        return [
            match.group(1).decode()
            for sent in self._traffic
            for match in _REQUEST_LINE.finditer(sent)
        ]

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for upstream in self._upstreams:
            upstream.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:  # cancelled when the proxy stops
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        try:
            if self.kind == "socks5":
                await self._socks5(reader, writer)
            else:
                await self._http(reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _open(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.tunnels.append(f"{host}:{port}")
        reader, writer = await asyncio.open_connection(self.hosts.get(host, host), port)
        self._upstreams.append(writer)
        return reader, writer

    # ------------------------------------------------------------------ HTTP

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines if line)
        }
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if headers.get("proxy-authorization") != f"Basic {expected}":
            self.refused += 1
            writer.write(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n'
                b"Connection: close\r\n\r\n"
            )
            await writer.drain()
            return
        seen = bytearray()
        self._traffic.append(seen)
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = await self._open(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:  # absolute-URI forwarding: the same requests go on, this connection to one host
            match = re.match(r"http://([^/:]+)(?::(\d+))?", target)
            assert match is not None, target
            upstream = await self._open(match.group(1), int(match.group(2) or 80))
            seen += head
            forwarded = [line for line in head.split(b"\r\n") if not line.lower().startswith(
                b"proxy-authorization:"
            )]  # fmt: skip
            upstream[1].write(b"\r\n".join(forwarded))
        await _splice((reader, writer), upstream, seen)

    # ---------------------------------------------------------------- SOCKS5

    async def _socks5(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != 5 or 2 not in methods:  # username/password required
            self.refused += 1
            writer.write(b"\x05\xff")
            await writer.drain()
            return
        writer.write(b"\x05\x02")
        _, length = await reader.readexactly(2)
        username = (await reader.readexactly(length)).decode()
        (length,) = await reader.readexactly(1)
        password = (await reader.readexactly(length)).decode()
        if (username, password) != (self.username, self.password):
            self.refused += 1
            writer.write(b"\x01\x01")
            await writer.drain()
            return
        writer.write(b"\x01\x00")
        _, command, _, address_type = await reader.readexactly(4)
        if address_type == 3:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode()
        elif address_type == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        else:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if command != 1:  # CONNECT only
            writer.write(b"\x05\x07\x00\x01" + bytes(6))
            await writer.drain()
            return
        upstream = await self._open(host, port)
        writer.write(b"\x05\x00\x00\x01" + bytes(6))
        await writer.drain()
        seen = bytearray()
        self._traffic.append(seen)
        await _splice((reader, writer), upstream, seen)


class LateServer:
    """A port that refuses connections until ``open(target_port)``; then each connection is
    relayed to 127.0.0.1:target_port."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._target = 0

    async def open(self, target_port: int) -> None:
        self._target = target_port
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream = await asyncio.open_connection("127.0.0.1", self._target)
            await _splice((reader, writer), upstream, None)
        finally:
            writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
