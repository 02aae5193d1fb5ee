"""A content-hash cache for LLM answers, so a re-scan of an unchanged warehouse does not ask again.

The key is the sha256 of the model name, the schema name and the exact messages; an answer is stored as
``<dir>/<key[:2]>/<key>.json`` once it has been validated. A changed prompt template, catalog or profile
changes the messages and so misses the cache. Unreadable or stale entries are treated as misses.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from ..errors import DatamodelerError
from ..store import write_atomic
from .client import LLMClient, Message
from .schemas import validate_answer

CACHE_FOLDER = "llm-cache"


def default_cache_dir(model_path: Path) -> Path:
    """``$DATAMODELER_HOME/llm-cache``, else ``.datamodeler/llm-cache`` next to the model file."""
    home = os.environ.get("DATAMODELER_HOME")
    if home:
        return Path(home).expanduser() / CACHE_FOLDER
    return Path(model_path).resolve().parent / ".datamodeler" / CACHE_FOLDER


def cache_key(model: str, messages: list[Message], schema_name: str) -> str:
    """The sha256 of the model name, the schema name and the messages (stable JSON)."""
    payload = json.dumps({"model": model, "schema": schema_name, "messages": messages}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class CachedClient:
    """An ``LLMClient`` that answers from disk when it has seen the same request; counts hits and misses."""

    def __init__(self, inner: LLMClient, directory: Path) -> None:
        self.inner = inner
        self.model = inner.model
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def complete_json(self, messages: list[Message], schema_name: str) -> dict[str, Any]:
        key = cache_key(self.model, messages, schema_name)
        cached = self._read(key, schema_name)
        if cached is not None:
            with self._lock:
                self.hits += 1
            return cached
        answer = self.inner.complete_json(messages, schema_name)
        with self._lock:
            self.misses += 1
        self._write(key, schema_name, answer)
        return answer

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def _read(self, key: str, schema_name: str) -> dict[str, Any] | None:
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            return validate_answer(entry["answer"], schema_name)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write(self, key: str, schema_name: str, answer: dict[str, Any]) -> None:
        """Store the answer; a cache that cannot be written only costs a request next time."""
        path = self._path(key)
        entry = {"model": self.model, "schema": schema_name, "answer": answer}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(entry, ensure_ascii=False, sort_keys=True))
        except (OSError, DatamodelerError):
            pass
