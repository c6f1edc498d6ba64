"""What several benchmarks share: a throw-away PostgreSQL database and a keep-alive HTTP client.

Not a benchmark itself (no ``_bench`` suffix, so ``make bench`` does not run it); the scripts import
it from their own directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator

from sqlalchemy.engine import make_url


@contextlib.contextmanager
def temp_database(url: str, driver: str = "postgresql") -> Iterator[str]:
    """A fresh database on the server of ``url``, dropped afterwards; yields its URL with ``driver``."""
    import asyncpg

    name = f"lnpilot_bench_{secrets.token_hex(5)}"
    admin = (
        make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    )

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(drivername=driver, database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class KeepAliveConn:
    """One keep-alive HTTP/1.1 connection; enough protocol for JSON endpoints, and cheap, so a client
    on the same cores as the server takes as little CPU from it as it can."""

    def __init__(self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.host, self.reader, self.writer = host, reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> KeepAliveConn:
        return cls(host, *await asyncio.open_connection(host, port))

    async def request(self, method: str, path: str, body: bytes = b"", headers: str = "") -> int:
        """Send one request (``headers``: extra ``Name: value\\r\\n`` lines); the response's status."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n{headers}"
        if body:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        self.writer.close()
