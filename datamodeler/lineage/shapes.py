"""Distinct statement shapes: the log is folded into one record per fingerprint as it streams past.

Only the normalised text (placeholders, no literals) is kept, with counts, users and first/last seen.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field

from ..sources.base import LoggedQuery
from .fingerprint import FingerprintError, Skeleton, fingerprint_of, literal_slots, normalize_tracked
from .runner import StatementTimeout, time_limit

_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes the log reader could not decode (kept by surrogateescape)
MAX_USERS_KEPT = 50
MAX_SKELETONS_KEPT = 500_000  # skeleton memo entries (and kept-literal variants); beyond it, statements are tokenized
MAX_VARIANTS_KEPT = 1_000  # per skeleton: distinct values of its kept literals (ORDER BY 1 vs 2) remembered


@dataclass(slots=True)
class Shape:
    """One distinct statement shape and how often, by whom and when it ran.

    A million shapes are held at once on a big log, so the record is slotted and its users are a short tuple of
    interned names (a set of ten names costs six times as much).
    """

    fingerprint: str
    sql: str
    count: int = 0
    users: tuple[str, ...] = ()
    first_seen: str | None = None
    last_seen: str | None = None
    failure: tuple[str, str] | None = None  # known before parsing: too_large, parse_error (tokenizer)
    first_position: int = 0  # where in the log it ran first and last (statements counted before it)
    last_position: int = 0

    def record(self, query: LoggedQuery, position: int = 0) -> None:
        if not self.count:
            self.first_position = position
        self.last_position = max(self.last_position, position)
        self.count += query.count
        if query.user:
            self.add_users((query.user,))
        if query.start_time:
            self.first_seen = min(filter(None, (self.first_seen, query.start_time)))
            self.last_seen = max(filter(None, (self.last_seen, query.start_time)))

    def merge(self, other: Shape, offset: int = 0) -> None:
        """Add the counts, users and time range of the same shape counted elsewhere (``offset`` statements earlier)."""
        if not self.count:
            self.first_position = other.first_position + offset
        self.last_position = max(self.last_position, other.last_position + offset)
        self.count += other.count
        self.add_users(other.users)
        self.first_seen = min(filter(None, (self.first_seen, other.first_seen)), default=None)
        self.last_seen = max(filter(None, (self.last_seen, other.last_seen)), default=None)

    def add_users(self, users: tuple[str, ...]) -> None:
        """Remember users not seen yet, up to ``MAX_USERS_KEPT``."""
        new = tuple(sys.intern(u) for u in users if u not in self.users)
        if new and len(self.users) < MAX_USERS_KEPT:
            self.users = (self.users + tuple(dict.fromkeys(new)))[:MAX_USERS_KEPT]


class ShapeCollector:
    """Folds logged statements into shapes; ``add`` is all a log reader's consumer calls."""

    def __init__(self, dialect: str | None, max_chars: int = 200_000, timeout_s: float = 10.0):
        self.dialect = dialect
        self.max_chars = max_chars
        self.timeout_s = timeout_s  # fingerprinting one statement gets the same budget as analysing it
        self.shapes: dict[str, Shape] = {}
        self.total = 0
        self._skeletons: dict[str, _Memo] = {}  # literal skeleton -> what its statements normalise to

    def add(self, query: LoggedQuery) -> Shape | None:
        """Count one statement under its shape; blank statements are ignored (None)."""
        if not query.text or not query.text.strip():
            return None
        shape = self._shape_of(query.text)
        if shape is None:
            return None
        shape.record(query, self.total)
        self.total += query.count
        return shape

    def _shape_of(self, text: str) -> Shape | None:
        if len(text) > self.max_chars:
            return self._unparsed(text, "too_large", f"statement of over {self.max_chars} characters (max_statement_chars)")
        if not text.isascii() and _UNDECODED.search(text):
            return self._unparsed(text, "encoding", "statement holds bytes that are not valid UTF-8")
        skeleton = literal_slots(text, self.dialect)
        memo = self._skeletons.get(skeleton.key) if skeleton is not None else None
        if memo is not None and skeleton is not None and (known := memo.variants.get(memo.kept_values(text, skeleton))) is not None:
            return self.shapes.get(known[0]) or self.shapes.setdefault(known[0], Shape(*known))
        try:
            with time_limit(self.timeout_s):
                normalized, kept = normalize_tracked(text, self.dialect)
        except FingerprintError as exc:
            return self._unparsed(text, "parse_error", exc.message)
        except StatementTimeout:
            return self._unparsed(text, "timeout", f"fingerprinting took longer than {self.timeout_s:g}s")
        if not normalized:
            return None
        fingerprint = fingerprint_of(normalized)
        if fingerprint not in self.shapes:
            self.shapes[fingerprint] = Shape(fingerprint, normalized)
        if skeleton is not None:
            self._remember(text, skeleton, memo, normalized, kept, fingerprint)
        return self.shapes[fingerprint]

    def _remember(self, text: str, skeleton: Skeleton, memo: _Memo | None, normalized: str, kept: frozenset[int],
                  fingerprint: str) -> None:
        """Memoise the fingerprint under the skeleton and the values of the literals the tokenizer kept."""
        if memo is None:
            if len(self._skeletons) >= MAX_SKELETONS_KEPT:
                return
            memo = _Memo.learn(text, skeleton, normalized, kept, self.dialect)
            if memo is None:
                return
            self._skeletons[skeleton.key] = memo
        if len(memo.variants) < MAX_VARIANTS_KEPT:
            memo.variants[memo.kept_values(text, skeleton)] = (fingerprint, normalized)

    def merge(self, shapes: dict[str, Shape], total: int) -> None:
        """Fold in the shapes another collector (a worker's, over other statements of the log) counted."""
        offset = self.total
        self.total += total
        for fingerprint, other in shapes.items():
            mine = self.shapes.setdefault(fingerprint, Shape(fingerprint, other.sql, failure=other.failure))
            mine.merge(other, offset)

    def forget_skeletons(self) -> None:
        """Drop the skeleton memo once the log is read: it only speeds up reading, and holds a text per skeleton."""
        self._skeletons = {}

    def take_shapes(self) -> tuple[dict[str, Shape], int]:
        """The shapes and total counted so far, leaving this collector empty but for its skeleton memo."""
        taken = self.shapes, self.total
        self.shapes, self.total = {}, 0
        return taken

    def _unparsed(self, text: str, reason: str, error: str) -> Shape:
        """A shape whose text is not kept (it may hold literals): only a hash and a description."""
        fingerprint = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        if fingerprint not in self.shapes:
            self.shapes[fingerprint] = Shape(fingerprint, f"-- not parsed ({reason}): {len(text)} characters", failure=(reason, error))
        return self.shapes[fingerprint]


@dataclass
class _Memo:
    """What statements of one skeleton normalise to: which of its literals the tokenizer keeps, and per their values
    the fingerprint. Statements with one skeleton have the same tokens but for their literals, so the same literals
    are kept (an ordinal, a type size) and the rest become placeholders."""

    kept: tuple[int, ...]  # indexes into the skeleton's slots
    variants: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)  # -> (fingerprint, normalised)

    def kept_values(self, text: str, skeleton: Skeleton) -> tuple[str, ...]:
        return tuple(text[skeleton.slots[i][0] : skeleton.slots[i][1]] for i in self.kept)

    @classmethod
    def learn(cls, text: str, skeleton: Skeleton, normalized: str, kept: frozenset[int], dialect: str | None) -> _Memo | None:
        """The memo for a statement just tokenized, checked: its masked text must normalise alike, else None."""
        kept_slots = tuple(i for i, (start, end, _) in enumerate(skeleton.slots) if any(start <= k < end for k in kept))
        parts, last = [], 0
        for i, (start, end, marker) in enumerate(skeleton.slots):
            parts += [text[last:start], text[start:end] if i in kept_slots else marker]
            last = end
        parts.append(text[last:])
        try:
            if normalize_tracked("".join(parts), dialect)[0] != normalized:
                return None
        except FingerprintError:
            return None
        return cls(kept_slots)
