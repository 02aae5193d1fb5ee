"""A local OpenAI-compatible test server: ``POST /v1/chat/completions`` with scripted replies, in a thread.

    with LLMServer(lambda request: Reply(content='{"tables": []}')) as server:
        settings = LLMSettings(base_url=server.url, api_key="test", model="test-model")
        …                                   # the real openai client talks to it over HTTP
        server.bodies                       # every request body received, as text
        server.contents                     # every message's content of every request (what a model reads)

A responder gets the parsed request body and returns a ``Reply``: content, an HTTP status, a delay.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: the assistant's text, or an HTTP error status; ``delay_s`` before answering."""

    content: str | None = ""
    status: int = 200
    delay_s: float = 0.0
    error: str = "scripted failure"
    usage: dict[str, int] | None = None  # the token counts reported; None: 1 prompt + 1 completion token


Responder = Callable[[dict[str, Any]], Reply]


class LLMServer:
    """An OpenAI-compatible chat endpoint on 127.0.0.1 (a free port) that records what it receives."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.bodies: list[str] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests the server was answering at the same moment
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        # serve_forever checks for shutdown() every poll_interval (0.5 s by default): every `with LLMServer(...)`
        # would wait that long on exit.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for body in self.bodies]

    @property
    def contents(self) -> list[str]:
        """The content of every message of every request, in order (leak checks search these and the bodies)."""
        return [str(message.get("content") or "") for request in self.requests for message in request.get("messages", [])]

    def __enter__(self) -> LLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def completion(model: str, content: str | None, usage: dict[str, int] | None = None) -> dict[str, Any]:
    """A ``chat.completion`` object as OpenAI sends it."""
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": usage or {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _handler_for(server: LLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            with server.lock:
                server.bodies.append(body)
            request = json.loads(body)
            reply = server.responder(request)
            with server.lock:
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            time.sleep(reply.delay_s)
            with server.lock:
                server.in_flight -= 1
            if reply.status != 200:
                self._send(reply.status, {"error": {"message": reply.error, "type": "server_error", "code": None}})
                return
            self._send(200, completion(request.get("model", "test"), reply.content, reply.usage))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the default stderr log
            pass

    return Handler
