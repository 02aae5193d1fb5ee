"""Distinct statement shapes: the log is folded into one record per fingerprint as it streams past.

Only the normalised text (placeholders, no literals) is kept, with counts, users and first/last seen.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..sources.base import LoggedQuery
from .fingerprint import FingerprintError, fingerprint_of, literal_skeleton, normalize_sql
from .runner import StatementTimeout, time_limit

_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes the log reader could not decode (kept by surrogateescape)
MAX_USERS_KEPT = 50
MAX_SKELETONS_KEPT = 500_000  # skeleton -> fingerprint memo entries; beyond it, statements are tokenized again


@dataclass
class Shape:
    """One distinct statement shape and how often, by whom and when it ran."""

    fingerprint: str
    sql: str
    count: int = 0
    users: set[str] = field(default_factory=set)
    first_seen: str | None = None
    last_seen: str | None = None
    failure: tuple[str, str] | None = None  # known before parsing: too_large, parse_error (tokenizer)

    def record(self, query: LoggedQuery) -> None:
        self.count += query.count
        if query.user and len(self.users) < MAX_USERS_KEPT:
            self.users.add(query.user)
        if query.start_time:
            self.first_seen = min(filter(None, (self.first_seen, query.start_time)))
            self.last_seen = max(filter(None, (self.last_seen, query.start_time)))


class ShapeCollector:
    """Folds logged statements into shapes; ``add`` is all a log reader's consumer calls."""

    def __init__(self, dialect: str | None, max_chars: int = 200_000, timeout_s: float = 10.0):
        self.dialect = dialect
        self.max_chars = max_chars
        self.timeout_s = timeout_s  # fingerprinting one statement gets the same budget as analysing it
        self.shapes: dict[str, Shape] = {}
        self.total = 0
        self._skeletons: dict[str, str] = {}  # literal skeleton -> fingerprint: repeated shapes skip the tokenizer

    def add(self, query: LoggedQuery) -> Shape | None:
        """Count one statement under its shape; blank statements are ignored (None)."""
        if not query.text or not query.text.strip():
            return None
        shape = self._shape_of(query.text)
        if shape is None:
            return None
        shape.record(query)
        self.total += query.count
        return shape

    def _shape_of(self, text: str) -> Shape | None:
        if len(text) > self.max_chars:
            return self._unparsed(text, "too_large", f"statement of over {self.max_chars} characters (max_statement_chars)")
        if _UNDECODED.search(text):
            return self._unparsed(text, "encoding", "statement holds bytes that are not valid UTF-8")
        skeleton = literal_skeleton(text, self.dialect)
        if skeleton is not None and (known := self._skeletons.get(skeleton)) is not None:
            return self.shapes[known]
        try:
            with time_limit(self.timeout_s):
                normalized = normalize_sql(text, self.dialect)
        except FingerprintError as exc:
            return self._unparsed(text, "parse_error", exc.message)
        except StatementTimeout:
            return self._unparsed(text, "timeout", f"fingerprinting took longer than {self.timeout_s:g}s")
        if not normalized:
            return None
        fingerprint = fingerprint_of(normalized)
        if fingerprint not in self.shapes:
            self.shapes[fingerprint] = Shape(fingerprint, normalized)
        if skeleton is not None and len(self._skeletons) < MAX_SKELETONS_KEPT:
            self._skeletons[skeleton] = fingerprint
        return self.shapes[fingerprint]

    def _unparsed(self, text: str, reason: str, error: str) -> Shape:
        """A shape whose text is not kept (it may hold literals): only a hash and a description."""
        fingerprint = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        if fingerprint not in self.shapes:
            self.shapes[fingerprint] = Shape(fingerprint, f"-- not parsed ({reason}): {len(text)} characters", failure=(reason, error))
        return self.shapes[fingerprint]
