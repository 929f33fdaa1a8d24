"""The web API's outer wall: an ASGI middleware in front of Gradio's routes.

Gradio runs any event by name over ``POST /gradio_api/call/<name>``, whatever its
``api_visibility``; it accepts anonymous uploads; and it wants every argument of an
endpoint in a raw HTTP call. This middleware:

- answers 404 for ``/gradio_api/call/<name>`` unless ``<name>`` is a public endpoint;
- answers 404 for ``/gradio_api/upload`` (the app has no file inputs);
- fills in the defaults of missing trailing arguments of a public endpoint
  (``{"data": ["问题"]}`` is a whole ``/ask`` call);
- refuses request bodies over ``max_body`` bytes with 413.

No gradio or starlette import: it speaks plain ASGI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

# 1 M characters of history (6 MB as JSON escapes) still get a Chinese error, not a 413.
MAX_BODY = 8 * 1024 * 1024
_CALL = re.compile(r"^/gradio_api/call/(?:v2/)?([^/]+)/?(?:[^/]+)?$")
_BLOCKED = ("/gradio_api/upload", "/gradio_api/upload_progress")


class ApiGuard:
    """ASGI middleware; ``public`` maps each endpoint name to its parameters' defaults."""

    def __init__(
        self,
        app,
        *,
        public: Mapping[str, Sequence[Any]],
        max_body: int = MAX_BODY,
    ) -> None:
        self.app, self.public, self.max_body = app, dict(public), max_body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        call = _CALL.match(path)
        if path.rstrip("/") in _BLOCKED or (call and call[1] not in self.public):
            await _reply(send, 404, "不存在该接口。")
            return
        if scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.max_body:
            await _reply(send, 413, "请求内容太大。")
            return
        if not call or path.startswith("/gradio_api/call/v2/"):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, self.max_body)
        if body is None:
            await _reply(send, 413, "请求内容太大。")
            return
        body = _with_defaults(body, self.public[call[1]])
        await self.app(_with_length(scope, len(body)), _replay(body, receive), send)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_body(receive, limit: int) -> bytes | None:
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _with_defaults(body: bytes, defaults: Sequence[Any]) -> bytes:
    """``{"data": [question]}`` → ``{"data": [question, *defaults[1:]]}``; else unchanged."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    args = data.get("data") if isinstance(data, dict) else None
    if not isinstance(args, list) or len(args) >= len(defaults):
        return body
    data["data"] = args + list(defaults[len(args) :])
    return json.dumps(data, ensure_ascii=False).encode()


def _with_length(scope, length: int):
    headers = [(k, v) for k, v in scope.get("headers", ()) if k != b"content-length"]
    headers.append((b"content-length", str(length).encode()))
    return {**scope, "headers": headers}


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _reply(send, status: int, message: str) -> None:
    payload = json.dumps({"ok": False, "error": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
