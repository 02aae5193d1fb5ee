"""Schema linking: which tables and columns a natural-language question is about, ranked, with reasons.

Pure functions over a ``DataModel``. Evidence, strongest first: table and column names (snake/camel case split,
singular/plural, light stemming, common abbreviations), top values seen by profiling (never for PII columns),
entity names, descriptions and comments, then past query shapes and column usage as tie-breakers. Tables
that bridge two linked tables over relationships are pulled up too.

    linking = link_question("weekly impressions per country", model)
    linking.tables[0].name, linking.tables[0].reasons   # 'events.impressions', ['table name: impressions']
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import DataModel, Table
from ..identifiers import column_prefix, singular, strip_prefix, tokens

STOPWORDS = frozenset("""
a an the of in on at to for from by with and or not no is are was were be been being do does did have has had
what which who whom whose when where why how many much show list give find return display tell me us all any
each every per that this these those there their its it they them than then as into over under about after
before between during also only just more most less least same other such can could would should will shall
please get got let lets whether both either out up down off again further once our your my i we you he she
""".split())
"""Words that never name a table or column."""

ABBREVIATIONS = {
    "imp": "impression", "amt": "amount", "qty": "quantity", "num": "number", "nbr": "number", "no": "number",
    "dt": "date", "ts": "timestamp", "addr": "address", "desc": "description", "dept": "department",
    "emp": "employee", "mgr": "manager", "acct": "account", "txn": "transaction", "trx": "transaction",
    "prod": "product", "cat": "category", "cust": "customer", "org": "organization", "loc": "location",
    "lang": "language", "avg": "average", "pct": "percent", "doc": "document", "ref": "reference",
    "stu": "student", "prof": "professor", "yr": "year", "mth": "month", "wk": "week", "cnt": "count",
    "tel": "telephone", "info": "information", "dob": "birth", "fname": "first", "lname": "last",
    "sk": "key", "pk": "key", "fk": "key", "ctry": "country", "st": "state", "pos": "position",
}
"""Short forms in column and table names, expanded before matching."""

SYNONYMS = {
    "nation": "country", "nationality": "country", "earn": "salary", "income": "salary", "revenue": "amount",
    "cost": "price", "old": "age", "oldest": "age", "youngest": "age", "young": "age", "born": "birth",
    "person": "people", "called": "name", "named": "name", "speak": "language", "spoken": "language",
}
"""Question words and the name tokens they usually mean."""

SUFFIXES = ("ational", "ation", "ments", "ment", "ings", "ing", "ers", "er", "ed", "ly", "es", "e", "s")

WEIGHTS = {
    "table_name": 3.0,  # a table named by the question
    "column_name": 1.2,  # a column named by the question
    "value": 1.5,  # a profiled top value quoted or named by the question
    "entity": 0.8,
    "description": 0.4,
    "bridge": 1.0,  # a table joining two linked tables
    "query_shape": 0.5,  # tables of past queries using the question's words
    "usage": 0.05,  # popular columns rank first among equals
}
GENERIC_TOKENS = frozenset({"id", "key", "code", "type", "name", "number", "date", "value", "data", "info"})
"""Tokens too common in names to identify a table on their own."""


@dataclass(frozen=True)
class LinkedColumn:
    """A column the question mentions, with how strongly and why."""

    table: str
    name: str
    score: float
    reason: str
    value: str | None = None  # the profiled value the question names, if that is the evidence


@dataclass
class LinkedTable:
    """A table ranked for a question: its score, the reasons and the linked columns."""

    name: str
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    columns: list[LinkedColumn] = field(default_factory=list)
    name_match: float = 0.0  # share of the table name's words the question uses

    def add(self, points: float, reason: str) -> None:
        if points > 0:
            self.score += points
            self.reasons.append(reason)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": round(self.score, 3), "reasons": self.reasons,
                "columns": [{"name": c.name, "score": round(c.score, 3), "reason": c.reason} for c in self.columns]}


@dataclass
class Linking:
    """Every table of the model ranked for one question (unmatched tables last, score 0)."""

    question: str
    terms: list[str]
    tables: list[LinkedTable]

    def top(self, n: int = 5) -> list[LinkedTable]:
        return self.tables[:n]

    def matched(self) -> list[LinkedTable]:
        """The tables with any evidence at all."""
        return [t for t in self.tables if t.score > 0]

    def table(self, name: str) -> LinkedTable | None:
        return next((t for t in self.tables if t.name == name), None)


# -- words ---------------------------------------------------------------------------------------


def stem(word: str) -> str:
    """A light stem: ``impressions`` and ``impression`` -> ``impression``; ``rated``/``rating`` -> ``rat``."""
    word = singular(word.lower())
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def word_forms(word: str) -> set[str]:
    """The stems a question word may match: ``movies`` -> ``{'movy', 'movi'}`` (``movie`` stems to ``movi``)."""
    forms = {stem(word)}
    if word.endswith("s") and len(word) > 4:
        forms.add(stem(word[:-1]))
    return forms


def name_words(name: str, vocabulary: frozenset[str] = frozenset()) -> list[str]:
    """The words of a table or column name with abbreviations expanded: ``imp_ts`` -> ``['impression', 'timestamp']``.

    With a ``vocabulary`` (the model's other name words), run-together words are split: ``countrylanguage``
    -> ``['country', 'language']``.
    """
    words: list[str] = []
    for token in tokens(name):
        if not token.isdigit():
            words.extend(split_compound(ABBREVIATIONS.get(token, token), vocabulary))
    return words


def split_compound(word: str, vocabulary: frozenset[str]) -> list[str]:
    """``countrylanguage`` -> ``['country', 'language']`` when both halves are known words of at least 3 letters."""
    if word in vocabulary or len(word) < 6:
        return [word]
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if head in vocabulary and (tail in vocabulary or singular(tail) in vocabulary):
            return [head, tail]
    return [word]


def model_vocabulary(model: DataModel) -> frozenset[str]:
    """Every plain name word of the model's tables and columns (used to split run-together names)."""
    words = {t for table in model.tables for t in tokens(table.short_name)}
    words |= {t for table in model.tables for column in table.columns for t in tokens(column.name)}
    return frozenset(w for w in words if len(w) >= 3 and not w.isdigit())


def question_words(question: str) -> list[str]:
    """Content words of a question, lower-cased, synonyms mapped (stopwords dropped)."""
    words = [w for w in tokens(question.replace("'", " ")) if w not in STOPWORDS and not w.isdigit()]
    return [SYNONYMS.get(w, w) for w in words]


@dataclass(frozen=True)
class Terms:
    """The question's words in the forms names are compared with."""

    words: tuple[str, ...]
    stems: frozenset[str]
    text: str  # lower-cased question, single-spaced, for phrase (value) matches

    @classmethod
    def of(cls, question: str) -> Terms:
        words = tuple(question_words(question))
        text = " " + " ".join(tokens(question.replace("'", " "))) + " "
        return cls(words, frozenset(form for w in words for form in word_forms(w)), text)

    def match(self, word: str) -> float:
        """How well one name word is used by the question: 1 exact or same stem, 0.7 as an abbreviation (``imp``),
        0.5 when it starts with a question word (``playback`` for "plays"), else 0."""
        if word in STOPWORDS:
            return 0.0
        if stem(word) in self.stems:
            return 1.0
        if len(word) >= 3 and any(w.startswith(word) and len(w) > len(word) + 1 for w in self.words):
            return 0.7
        if any(len(s) >= 4 and word.startswith(s) for s in self.stems):  # "plays" -> playback
            return 0.5
        return 0.0


# -- linking -------------------------------------------------------------------------------------


def link_question(question: str, model: DataModel) -> Linking:
    """Rank every table of ``model`` for ``question`` (deterministic, no LLM)."""
    terms = Terms.of(question)
    vocabulary = model_vocabulary(model)
    rarity = word_rarity(model, vocabulary)
    linked = {t.name: LinkedTable(t.name) for t in model.tables}
    for table in model.tables:
        entry = linked[table.name]
        score_table_name(entry, table, terms, rarity, vocabulary)
        score_columns(entry, table, terms, rarity, vocabulary)
        score_descriptions(entry, table, terms)
    score_entities(linked, model, terms)
    score_query_shapes(linked, model, terms)
    score_bridges(linked, model)
    score_usage(linked, model)
    ranked = sorted(linked.values(), key=lambda t: (-t.score, -t.name_match, _row_count(model, t.name), t.name))
    return Linking(question, list(terms.words), ranked)


def word_rarity(model: DataModel, vocabulary: frozenset[str]) -> dict[str, float]:
    """Inverse table frequency of each name word's stem: words in every table (``id``, ``name``) count little."""
    frequency: Counter[str] = Counter()
    for table in model.tables:
        words = {stem(w) for w in name_words(table.short_name, vocabulary)}
        for column in table.columns:
            words |= {stem(w) for w in name_words(column.name, vocabulary)}
        frequency.update(words)
    total = max(len(model.tables), 1)
    return {word: math.log(1 + total / count) / math.log(1 + total) for word, count in frequency.items()}


def score_table_name(entry: LinkedTable, table: Table, terms: Terms, rarity: dict[str, float], vocabulary: frozenset[str]) -> None:
    """Points for the table's own name: all of ``singer_in_concert`` used scores higher than ``singer`` alone."""
    words = [w for w in name_words(table.short_name, vocabulary) if w not in STOPWORDS and w not in ("dim", "fct", "fact", "tbl", "ref")]
    if not words:
        return
    matches = [terms.match(w) for w in words]
    share = sum(matches) / len(words)
    if share == 0:
        return
    entry.name_match = share
    weight = max(rarity.get(stem(w), 1.0) for w, m in zip(words, matches) if m)
    matched = " ".join(w for w, m in zip(words, matches) if m)
    entry.add(WEIGHTS["table_name"] * share * (0.5 + 0.5 * weight), f"table name: {matched}")


def score_columns(entry: LinkedTable, table: Table, terms: Terms, rarity: dict[str, float], vocabulary: frozenset[str]) -> None:
    """Points for columns the question names or whose profiled values it mentions; the best counts most."""
    prefix = column_prefix(c.name for c in table.columns)
    found: list[LinkedColumn] = []
    for column in table.columns:
        words = [w for w in name_words(strip_prefix(column.name, prefix), vocabulary) if w not in STOPWORDS]
        matches = [terms.match(w) for w in words]
        if words and any(matches):
            specific = [rarity.get(stem(w), 1.0) * m for w, m in zip(words, matches) if m and w not in GENERIC_TOKENS]
            points = WEIGHTS["column_name"] * sum(matches) / len(words) * (max(specific) if specific else 0.25)
            found.append(LinkedColumn(table.name, column.name, points, f"column name: {column.name}"))
        value = mentioned_value(column, terms)
        if value is not None:
            found.append(LinkedColumn(table.name, column.name, WEIGHTS["value"], f"value '{value}' in {column.name}", value))
    found.sort(key=lambda c: -c.score)
    for rank, column in enumerate(found):
        entry.add(column.score * (1.0 if rank == 0 else 0.3), column.reason)
    entry.columns = _best_per_column(found)


def mentioned_value(column: Any, terms: Terms) -> str | None:
    """A profiled top value of a non-PII column that the question names (``movies`` names ``movie``)."""
    if column.pii or column.profile is None or not column.profile.top_values:
        return None
    for value in column.profile.top_values:
        text = " ".join(tokens(str(value)))
        if len(text) < 3 or text.replace(" ", "").isdigit():
            continue
        if f" {text} " in terms.text or (" " not in text and stem(text) in terms.stems and text not in STOPWORDS):
            return str(value)
    return None


def score_descriptions(entry: LinkedTable, table: Table, terms: Terms) -> None:
    """A little for descriptions and comments that use the question's words."""
    texts = [table.description, table.comment, *(c.description or c.comment for c in table.columns)]
    words = {stem(w) for text in texts if text for w in question_words(text)}
    shared = words & terms.stems
    if shared:
        entry.add(WEIGHTS["description"] * min(len(shared), 3), f"description: {', '.join(sorted(shared))}")


def score_entities(linked: dict[str, LinkedTable], model: DataModel, terms: Terms) -> None:
    """Tables of an entity the question names (``member`` -> Member's tables)."""
    for entity in model.entities:
        words = name_words(entity.name)
        if words and all(terms.match(w) for w in words):
            for name in entity.tables:
                if name in linked:
                    linked[name].add(WEIGHTS["entity"] / (1 + len(entity.tables) / 4), f"entity {entity.name}")


def score_query_shapes(linked: dict[str, LinkedTable], model: DataModel, terms: Terms, limit: int = 500) -> None:
    """Tables that past queries used together with the question's words (e.g. the path to a country)."""
    if not terms.stems:
        return
    seen: dict[str, float] = defaultdict(float)
    for shape in model.queries.shapes[:limit]:
        if shape.kind not in (None, "select") or not shape.tables:
            continue
        shape_stems = {stem(w) for w in re.findall(r"[a-z][a-z0-9_]*", shape.sql.lower()) for w in name_words(w)}
        share = len(terms.stems & shape_stems) / len(terms.stems)
        if share >= 0.5:
            for name in shape.tables:
                seen[name] = max(seen[name], share * min(1.0, math.log10(1 + shape.count)))
    for name, points in seen.items():
        if name in linked:
            linked[name].add(WEIGHTS["query_shape"] * points, "past queries with these words")


def score_bridges(linked: dict[str, LinkedTable], model: DataModel) -> None:
    """Pull up a table that references two linked tables (``singer_in_concert`` between singer and concert)."""
    strong = {name for name, t in linked.items() if t.score >= 1.0}
    neighbours: dict[str, set[str]] = defaultdict(set)
    for rel in model.relationships:
        if rel.status != "rejected":
            neighbours[rel.child_table].add(rel.parent_table)
            neighbours[rel.parent_table].add(rel.child_table)
    for name, entry in linked.items():
        touched = (neighbours.get(name, set()) - {name}) & strong
        if len(touched) >= 2:
            entry.add(WEIGHTS["bridge"], f"joins {', '.join(sorted(touched))}")


def score_usage(linked: dict[str, LinkedTable], model: DataModel) -> None:
    """A tie-breaker: among linked tables, the ones whose linked columns past queries use most."""
    used = {u.column.lower(): u.filter + u.group_by + u.join + u.select for u in model.usage}
    for entry in linked.values():
        if entry.score <= 0 or not entry.columns:
            continue
        uses = sum(used.get(f"{entry.name}.{c.name}".lower(), 0) for c in entry.columns)
        if uses:
            entry.add(WEIGHTS["usage"] * math.log10(1 + uses), f"columns used {uses}× in past queries")


def _best_per_column(found: Iterable[LinkedColumn]) -> list[LinkedColumn]:
    best: dict[str, LinkedColumn] = {}
    for column in found:
        if column.name not in best or column.score > best[column.name].score:
            best[column.name] = column
    return sorted(best.values(), key=lambda c: -c.score)


def _row_count(model: DataModel, name: str) -> int:
    """Bigger tables first among equals (facts hold what questions count)."""
    table = model.table(name)
    return -(table.row_count or 0) if table else 0
