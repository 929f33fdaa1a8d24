"""Serve the page as Simplified Chinese whatever the browser's language.

Gradio's page says ``<html lang="en">`` and its front end picks its own labels from the
browser's language. :class:`ChinesePage` (ASGI middleware) rewrites the HTML page only:
``lang="zh-CN"``, and a first script that reports zh-CN as the browser language, so
Gradio's built-in labels are Chinese too and screen readers read the page as Chinese.
"""

from __future__ import annotations

from typing import Any

FIRST_SCRIPT = (
    "<script>(function(){var z=function(){return 'zh-CN'};"
    "try{Object.defineProperty(navigator,'language',{get:z,configurable:true});"
    "Object.defineProperty(navigator,'languages',{get:function(){return ['zh-CN','zh']},"
    "configurable:true});}catch(e){}document.documentElement.lang='zh-CN';})();</script>"
)


def chinese(html: bytes) -> bytes:
    """The page with ``lang="zh-CN"`` and :data:`FIRST_SCRIPT` first in <head>."""
    out = html.replace(b'lang="en"', b'lang="zh-CN"', 1)
    return out.replace(b"<head>", b"<head>" + FIRST_SCRIPT.encode(), 1)


class ChinesePage:
    """ASGI middleware: rewrites HTML responses with :func:`chinese`; the rest passes."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        start: dict = {}
        body: list[bytes] = []

        async def wrapped(message) -> None:
            if message["type"] == "http.response.start":
                kinds = dict(message.get("headers", []))
                html = b"text/html" in kinds.get(b"content-type", b"")
                if not html or b"content-encoding" in kinds:  # compressed: left as is
                    start["pass"] = True
                    await send(message)
                    return
                start["message"] = message
                return
            if start.get("pass"):
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = chinese(b"".join(body))
            head = start["message"]
            headers: list = [
                (k, v) for k, v in head.get("headers", []) if k != b"content-length"
            ]
            headers.append((b"content-length", str(len(page)).encode()))
            await send({**head, "headers": headers})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, wrapped)
