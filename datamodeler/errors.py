"""The errors datamodeler raises on purpose; the CLI turns each into one ``Error: …`` line.

    DatamodelerError            base: message + hint (the next step)
    ├── ConfigError             bad datamodeler.toml, env var or option value
    ├── SourceError             unknown driver, unreachable or missing warehouse
    │   └── QueryError          a read-only statement failed, was refused or timed out
    ├── QueryLogError           unreadable or malformed query log
    ├── ModelFileError          missing, corrupt or other-version model file
    ├── NotFoundError           unknown table, entity, format …: lists the valid choices
    ├── ExportError             an exporter or its external tool failed
    ├── LLMError                the LLM endpoint failed, timed out or answered nonsense
    └── UnsafeSQLError          generated SQL that is not a single read-only SELECT
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class DatamodelerError(Exception):
    """Base of every expected failure: ``message`` says what, ``hint`` says what to do next."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ConfigError(DatamodelerError):
    pass


class SourceError(DatamodelerError):
    pass


class QueryError(SourceError):
    """A statement sent to the warehouse failed; ``message`` holds the driver's first line."""


class QueryLogError(DatamodelerError):
    pass


class ModelFileError(DatamodelerError):
    pass


class NotFoundError(DatamodelerError):
    """An unknown name; the message lists the valid choices."""

    def __init__(self, what: str, name: str, choices: Iterable[str], hint: str | None = None):
        listed = sorted(set(choices))
        close = difflib.get_close_matches(name.lower(), [c.lower() for c in listed], n=5, cutoff=0.6)
        by_lower = {c.lower(): c for c in listed}
        suggestion = f" (did you mean {', '.join(by_lower[c] for c in close)}?)" if close else ""
        shown = ", ".join(listed[:20]) + (f", … ({len(listed)} in all)" if len(listed) > 20 else "")
        super().__init__(f"unknown {what} '{name}'{suggestion}; valid: {shown or 'none'}", hint)
        self.choices = listed


class ExportError(DatamodelerError):
    pass


class LLMError(DatamodelerError):
    pass


class UnsafeSQLError(DatamodelerError):
    pass
