"""Distinct statement shapes: the log is folded into one record per fingerprint as it streams past.

Only the normalised text (placeholders, no literals) is kept, with counts, users and first/last seen.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from typing import Union

from ..sources.base import LoggedQuery
from .fingerprint import FingerprintError, Skeleton, fingerprint_of, literal_slots, normalize_tracked
from .runner import StatementTimeout, time_limit

_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes the log reader could not decode (kept by surrogateescape)
MAX_USERS_KEPT = 50
MAX_SKELETONS_KEPT = 2_000_000  # skeleton memo entries (~150 bytes each); beyond it, new skeletons are tokenized each time
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
        """Count one run of the shape, ``position`` statements into the log (runs may arrive out of order)."""
        self.first_position = min(self.first_position, position) if self.count else position
        self.last_position = max(self.last_position, position)
        self.count += query.count
        if query.user:
            self.add_users((query.user,))
        if query.start_time:
            self.first_seen = min(filter(None, (self.first_seen, query.start_time)))
            self.last_seen = max(filter(None, (self.last_seen, query.start_time)))

    def merge(self, other: Shape) -> None:
        """Add the counts, users, log positions and time range of the same shape counted elsewhere."""
        self.first_position = min(self.first_position, other.first_position) if self.count else other.first_position
        self.last_position = max(self.last_position, other.last_position)
        self.count += other.count
        self.add_users(other.users)
        self.first_seen = min(filter(None, (self.first_seen, other.first_seen)), default=None)
        self.last_seen = max(filter(None, (self.last_seen, other.last_seen)), default=None)

    def add_users(self, users: tuple[str, ...]) -> None:
        """Remember users not seen yet, up to ``MAX_USERS_KEPT``."""
        new = tuple(sys.intern(u) for u in users if u not in self.users)
        if new and len(self.users) < MAX_USERS_KEPT:
            self.users = (self.users + tuple(dict.fromkeys(new)))[:MAX_USERS_KEPT]


Memo = Union[str, "_Memo"]  # a fingerprint, when the skeleton keeps no literal (nearly always); else its variants


class ShapeCollector:
    """Folds logged statements into shapes; ``add`` is all a log reader's consumer calls.

    A memo keyed by each statement's literal skeleton (a 16-byte digest of it) maps statements that differ only
    in literals to their fingerprint without tokenizing them again.
    """

    def __init__(self, dialect: str | None, max_chars: int = 200_000, timeout_s: float = 10.0):
        self.dialect = dialect
        self.max_chars = max_chars
        self.timeout_s = timeout_s  # fingerprinting one statement gets the same budget as analysing it
        self.shapes: dict[str, Shape] = {}
        self.total = 0
        self._skeletons: dict[bytes, Memo] = {}  # skeleton digest -> what its statements normalise to

    def add(self, query: LoggedQuery, position: int | None = None) -> Shape | None:
        """Count one statement under its shape (at ``position`` in the log, default: after the last counted);
        blank statements are ignored (None)."""
        shape = self._shape_of(query.text)
        if shape is not None:
            shape.record(query, self.total if position is None else position)
            self.total += query.count
        return shape

    def reserve(self, count: int) -> int:
        """The log position of a statement counted elsewhere (a worker), its executions added to the total."""
        position = self.total
        self.total += count
        return position

    def _shape_of(self, text: str) -> Shape | None:
        if not text or not text.strip():
            return None
        if len(text) > self.max_chars:
            return self._unparsed(text, "too_large", f"statement of over {self.max_chars} characters (max_statement_chars)")
        if not text.isascii() and _UNDECODED.search(text):
            return self._unparsed(text, "encoding", "statement holds bytes that are not valid UTF-8")
        skeleton = literal_slots(text, self.dialect)
        digest = _digest(skeleton.key) if skeleton is not None else None
        memo = self._skeletons.get(digest) if digest is not None else None
        fingerprint = None if memo is None or skeleton is None else (
            memo if isinstance(memo, str) else memo.variants.get(memo.kept_values(text, skeleton)))
        if fingerprint is not None:
            # A worker's memo outlives the shapes it has sent (``take_shapes``): the reader holds their text already.
            return self.shapes.get(fingerprint) or self.shapes.setdefault(fingerprint, Shape(fingerprint, ""))
        return self._tokenized(text, skeleton, digest)

    def _tokenized(self, text: str, skeleton: Skeleton | None, digest: bytes | None) -> Shape | None:
        """Normalise ``text`` with the tokenizer (a failure becomes an unparsed shape) and memoise its skeleton."""
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
        shape = self.shapes.get(fingerprint) or self.shapes.setdefault(fingerprint, Shape(fingerprint, normalized))
        if skeleton is not None and digest is not None:
            self._remember(text, skeleton, digest, normalized, kept, shape.fingerprint)
        return shape

    def _remember(self, text: str, skeleton: Skeleton, digest: bytes, normalized: str, kept: frozenset[int],
                  fingerprint: str) -> None:
        """Memoise the fingerprint under the skeleton and the values of the literals the tokenizer kept."""
        memo = self._skeletons.get(digest)
        if memo is None:
            if len(self._skeletons) >= MAX_SKELETONS_KEPT:
                return
            memo = _Memo.learn(text, skeleton, normalized, kept, self.dialect)
            if memo is None:
                return
            self._skeletons[digest] = memo if memo.kept else fingerprint
        if isinstance(memo, _Memo) and memo.kept and len(memo.variants) < MAX_VARIANTS_KEPT:
            memo.variants[memo.kept_values(text, skeleton)] = fingerprint

    def merge(self, shapes: dict[str, Shape]) -> None:
        """Fold in the shapes (positions already in this log's terms) another collector (a worker's, over other
        statements of the log) counted."""
        for fingerprint, other in shapes.items():
            mine = self.shapes.setdefault(fingerprint, Shape(fingerprint, other.sql, failure=other.failure))
            mine.merge(other)

    def forget_skeletons(self) -> None:
        """Drop the skeleton memo once the log is read: it only speeds up reading."""
        self._skeletons = {}

    def take_shapes(self) -> tuple[dict[str, Shape], int]:
        """The shapes and total counted so far, leaving this collector empty but for its skeleton memo (a worker's
        batch: it has sent those shapes' text, so a later memo hit sends the fingerprint only)."""
        taken = self.shapes, self.total
        self.shapes, self.total = {}, 0
        return taken

    def _unparsed(self, text: str, reason: str, error: str) -> Shape:
        """A shape whose text is not kept (it may hold literals): only a hash and a description."""
        fingerprint = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        if fingerprint not in self.shapes:
            self.shapes[fingerprint] = Shape(fingerprint, f"-- not parsed ({reason}): {len(text)} characters", failure=(reason, error))
        return self.shapes[fingerprint]


def _digest(skeleton_key: str) -> bytes:
    """16 bytes standing for a skeleton (its text averages a few hundred): a million fit in the memo."""
    return hashlib.blake2b(skeleton_key.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class _Memo:
    """What statements of one skeleton normalise to: which of its literals the tokenizer keeps, and per their values
    the fingerprint. Statements with one skeleton have the same tokens but for their literals, so the same literals
    are kept (an ordinal, a type size) and the rest become placeholders."""

    kept: tuple[int, ...]  # indexes into the skeleton's slots
    variants: dict[tuple[str, ...], str] = field(default_factory=dict)  # -> fingerprint

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
