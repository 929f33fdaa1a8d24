"""An httpx client for the chat model: one total deadline per request, a byte cap per reply.

httpx timeouts apply to each read, so a server trickling one byte a second never times
out; and a reply is read whole, however large. This client's transport stamps a deadline
on each request (connect and each read are also bounded by ``total_s``) and stops reading
a reply body once the deadline passes or ``max_bytes`` have arrived.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any


class ReplyTooLong(Exception):
    """The chat model's reply exceeded the byte bound."""


class ReplyDeadline(Exception):
    """The chat model's reply did not arrive in full before the request's deadline."""


def bounded_client(*, total_s: float, max_bytes: int) -> Any:
    """An ``httpx.Client`` whose every request ends within ``total_s`` and ``max_bytes``."""
    import httpx

    class BoundedStream(httpx.SyncByteStream):
        def __init__(self, inner: httpx.SyncByteStream, deadline: float) -> None:
            self.inner, self.deadline = inner, deadline

        def __iter__(self) -> Iterator[bytes]:
            read = 0
            for chunk in self.inner:
                read += len(chunk)
                if read > max_bytes:
                    raise ReplyTooLong(f"reply over {max_bytes} bytes")
                if time.monotonic() > self.deadline:
                    raise ReplyDeadline(f"reply not complete within {total_s:g} s")
                yield chunk

        def close(self) -> None:
            self.inner.close()

    class BoundedTransport(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            deadline = time.monotonic() + total_s
            response = self.inner.handle_request(request)
            assert isinstance(response.stream, httpx.SyncByteStream)
            return httpx.Response(
                status_code=response.status_code,
                headers=response.headers,
                stream=BoundedStream(response.stream, deadline),
                extensions=response.extensions,
            )

        def close(self) -> None:
            self.inner.close()

    return httpx.Client(transport=BoundedTransport(), timeout=total_s)
