"""The value index: which low-cardinality text column holds a value a question names ("orders shipped to France").

Built once per model from the profile's top values, read-only and PII-safe: a column flagged as PII, a numeric
or date column, and a column with more distinct values than ``MAX_DISTINCT`` are never indexed, so nothing
personal or identifying is looked up or sent. Lookups go through the question's word n-grams, so a question
costs the same on a model with ten tables or ten thousand.

    index = build_value_index(model)
    index.find(["orders", "shipped", "to", "france"])   # [ValueHit('geo.countries', 'name', 'France', 1)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..identifiers import singular, tokens
from ..model import Column, DataModel

MAX_DISTINCT = 1000  # more distinct values than this: an identifier or free text, not a category
MAX_WORDS = 4  # longest value phrase looked up
NON_TEXT_TYPES = ("INT", "DECIMAL", "NUMERIC", "DOUBLE", "FLOAT", "REAL", "NUMBER", "MONEY", "DATE", "TIME", "BOOL")


@dataclass(frozen=True)
class ValueHit:
    """A value the question names, where it is stored, and how many words it spans."""

    table: str
    column: str
    value: str
    words: int


@dataclass
class ValueIndex:
    """Value phrases (lower-cased words joined by spaces) -> the columns holding them."""

    phrases: dict[str, list[tuple[str, str, str]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, column: str, value: str) -> None:
        phrase = " ".join(tokens(value))
        if len(phrase) >= 3 and not phrase.replace(" ", "").isdigit() and len(phrase.split()) <= MAX_WORDS:
            self.phrases[phrase].append((table, column, value))

    def find(self, words: Sequence[str], skip: Iterable[str] = ()) -> list[ValueHit]:
        """Every indexed value spelled by consecutive ``words``; single words in ``skip`` (stopwords) are ignored."""
        skipped = set(skip)
        hits: list[ValueHit] = []
        for size in range(min(MAX_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start:start + size])
                if size == 1 and phrase in skipped:
                    continue
                found = self.phrases.get(phrase) or (self.phrases.get(singular(phrase)) if size == 1 else None) or []
                hits.extend(ValueHit(t, c, v, size) for t, c, v in found)
        return hits

    def __len__(self) -> int:
        return len(self.phrases)


def indexable(column: Column) -> bool:
    """A text column of few distinct values that is not personal data."""
    profile = column.profile
    if column.pii or profile is None or not profile.top_values:
        return False
    if any(kind in column.type.upper() for kind in NON_TEXT_TYPES):
        return False
    return profile.distinct_count is None or profile.distinct_count <= MAX_DISTINCT


def build_value_index(model: DataModel) -> ValueIndex:
    """Index the top values of every indexable column of ``model``."""
    index = ValueIndex()
    for table in model.tables:
        for column in table.columns:
            if indexable(column) and column.profile is not None:
                for value in column.profile.top_values or ():
                    index.add(table.name, column.name, str(value))
    return index
