"""The LLM port and its OpenAI adapter: ``complete_json(messages, schema_name) -> dict``.

    LLMClient       the one-method port every LLM user (scan proposals, ``ask``) depends on
    OpenAIClient    any OpenAI-compatible endpoint through the official ``openai`` client
    CachedClient    (``llm/cache.py``) wraps any LLMClient with a content-hash cache on disk

Answers are parsed as JSON and validated against ``schemas.RESPONSE_MODELS[schema_name]``; a malformed answer
is asked again once with the parse error fed back. Every failure (timeout, unreachable endpoint, HTTP error,
malformed JSON twice) raises ``LLMError`` with the endpoint and the reason. This is the only module that
imports ``openai``.

Example::

    client = OpenAIClient(settings.llm)
    answer = client.complete_json([{"role": "user", "content": "…"}], "describe_entities")
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, Protocol

from ..config import LLMSettings
from ..errors import LLMError
from .schemas import RESPONSE_MODELS, validate_answer

Message = dict[str, str]

RESPONSE_FORMATS: tuple[str | None, ...] = ("json_schema", "json_object", None)
"""Tried in this order; an endpoint answering 400 to one makes the client fall back to the next for good."""
RETRY_PROMPT = (
    "Your previous reply could not be used: {error}. Reply again with only the JSON object the task asks for, "
    "no prose and no code fences."
)
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")
HINT = "check [llm] in datamodeler.toml / OPENAI_BASE_URL, or scan with --no-llm"
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class LLMClient(Protocol):
    """The port: send chat messages, get back a JSON object validated against ``schema_name``."""

    model: str

    def complete_json(self, messages: list[Message], schema_name: str) -> dict[str, Any]:
        """The answer as a dict; raises ``LLMError`` when the endpoint fails or answers nonsense twice."""
        ...


class OpenAIClient:
    """An OpenAI-compatible chat endpoint (OpenAI, Azure-style proxies, Ollama, vLLM, llama.cpp …)."""

    def __init__(self, settings: LLMSettings, client: Any = None) -> None:
        self.settings = settings
        self.model = settings.model
        self.requests = 0
        self.usage = dict.fromkeys(USAGE_KEYS, 0)  # tokens over every request, as the endpoint reports them
        self._client = client if client is not None else _openai_client(settings)
        self._formats = list(RESPONSE_FORMATS)
        self._lock = threading.Lock()  # batches are asked from several threads at once

    @property
    def endpoint(self) -> str:
        return self.settings.base_url or "api.openai.com"

    def complete_json(self, messages: list[Message], schema_name: str) -> dict[str, Any]:
        """Ask, parse and validate; one retry with the error fed back, then ``LLMError``."""
        text = self._ask(messages, schema_name)
        try:
            return parse_answer(text, schema_name)
        except ValueError as exc:
            first_error = str(exc)
        retry = [*messages, {"role": "assistant", "content": text}, {"role": "user", "content": RETRY_PROMPT.format(error=first_error)}]
        text = self._ask(retry, schema_name)
        try:
            return parse_answer(text, schema_name)
        except ValueError as exc:
            raise LLMError(
                f"{self.model} at {self.endpoint} answered {schema_name} with malformed JSON twice "
                f"(first: {first_error}; after the retry: {exc})",
                "try a stronger model, or scan with --no-llm",
            ) from None

    def _ask(self, messages: list[Message], schema_name: str) -> str:
        """One chat completion; falls back to a simpler response format when the endpoint refuses one."""
        import openai

        while True:
            with self._lock:
                response_format = self._formats[0]
                self.requests += 1
            try:
                response = self._client.chat.completions.create(
                    model=self.model, messages=messages, **response_format_arguments(response_format, schema_name))
            except openai.BadRequestError as exc:
                if self._fall_back_from(response_format):
                    continue
                raise LLMError(f"{self.endpoint} refused the request for {self.model}: {_first_line(exc.message)}", HINT) from None
            except openai.OpenAIError as exc:
                raise self._error(exc) from None
            self._count_usage(response)
            return _content(response)

    def _count_usage(self, response: Any) -> None:
        """Add the response's token counts (an endpoint that reports none adds nothing)."""
        usage = getattr(response, "usage", None)
        with self._lock:
            for key in USAGE_KEYS:
                self.usage[key] += int(getattr(usage, key, 0) or 0)

    def _fall_back_from(self, refused: Any) -> bool:
        """Drop a refused response format (once, whichever thread saw it first); False when none is left."""
        with self._lock:
            if self._formats[0] == refused and len(self._formats) > 1:
                self._formats.pop(0)
            return self._formats[0] != refused

    def _error(self, exc: Exception) -> LLMError:
        """A precise ``LLMError`` for a failed request (the openai client has already retried what it retries)."""
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"no answer from {self.endpoint} ({self.model}) within {self.settings.timeout_s:g}s", HINT)
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"cannot reach {self.endpoint}: {_first_line(str(exc.__cause__ or exc))}", HINT)
        if isinstance(exc, openai.AuthenticationError):
            return LLMError(f"{self.endpoint} rejected the API key (HTTP 401)", "set OPENAI_API_KEY or [llm] api_key")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"{self.endpoint} answered HTTP {exc.status_code} for {self.model}: {_first_line(exc.message)}", HINT)
        return LLMError(f"{self.endpoint} failed: {_first_line(str(exc))}", HINT)


def response_format_arguments(response_format: str | None, schema_name: str) -> dict[str, Any]:
    """``response_format`` for structured output (the task's JSON schema) or JSON mode; nothing for plain text."""
    if response_format == "json_schema" and schema_name in RESPONSE_MODELS:
        schema = RESPONSE_MODELS[schema_name].model_json_schema()
        return {"response_format": {"type": "json_schema", "json_schema": {"name": schema_name, "schema": schema, "strict": False}}}
    if response_format in ("json_schema", "json_object"):
        return {"response_format": {"type": "json_object"}}
    return {}


def parse_answer(text: str, schema_name: str) -> dict[str, Any]:
    """The JSON object in ``text`` (code fences tolerated), validated; ``ValueError`` says what is wrong."""
    if not text or not text.strip():
        raise ValueError("the reply was empty")
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    return validate_answer(data, schema_name)


def _openai_client(settings: LLMSettings) -> Any:
    from openai import OpenAI

    return OpenAI(base_url=settings.base_url, api_key=settings.api_key or "not-needed", timeout=settings.timeout_s,
                  max_retries=settings.max_retries)


def _content(response: Any) -> str:
    choices = getattr(response, "choices", None) or []
    message = choices[0].message if choices else None
    return (getattr(message, "content", None) or "") if message is not None else ""


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:300] if (text or "").strip() else "no details"
