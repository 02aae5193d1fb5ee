"""Schema linking: which tables and columns a natural-language question is about, ranked, and which to send.

Pure functions over a ``DataModel``. The whole schema is sent when it fits the prompt budget (``[ask]
prompt_budget_tokens``); otherwise tables are ranked by evidence, strongest first: table and column names
(snake/camel case split, singular/plural, light stemming, common abbreviations, synonyms), values the question
names (the PII-safe value index, ``values.py``), descriptions and comments (human comments first), past query
shapes and tables used together in the query log, and the join graph (bridge tables on the join paths between
linked tables). Date shards, partitions and ``_v2``/``_backup`` copies are ranked as one family
(``families.py``). How many tables are sent follows the gap in scores, not a fixed count.

    linking = link_question("weekly impressions per country", model)
    linking.tables[0].name, linking.tables[0].reasons   # 'events.impressions', ['table name: impressions']
    linking.sent                                       # the tables the LLM prompt carries
"""

from __future__ import annotations

import math
import re
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..config import AskSettings
from ..identifiers import column_prefix, singular, strip_prefix, tokens
from ..model import DataModel, Table
from .families import table_families
from .values import ValueIndex, build_value_index

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
    "comment": 0.5,  # written by a person
    "description": 0.4,  # verified documentation
    "bridge": 1.0,  # a table joining two linked tables
    "query_shape": 0.5,  # tables of past queries using the question's words
    "co_usage": 0.4,  # the usual join partner of a linked table in past queries
    "usage": 0.05,  # popular columns rank first among equals
}
GENERIC_TOKENS = frozenset({"id", "key", "code", "type", "name", "number", "date", "value", "data", "info"})
"""Tokens too common in names to identify a table on their own."""
TABLE_KIND_WORDS = frozenset({"dim", "fct", "fact", "tbl", "ref"})
"""Words that say what kind of table it is, not what it holds."""
TOKEN_PATTERN = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
DEFAULT_BUDGET_TOKENS = AskSettings().prompt_budget_tokens
STRONG_SCORE = 1.0  # a table this well linked can pull in its bridges and usual partners
KEEP_SHARE = 0.2  # tables scoring under this share of the best are never sent (when the schema does not fit)
MIN_GAP = 0.5  # a drop in score this steep (relative) ends the list
MIN_SENT = 2  # the gap cut never leaves fewer tables than this
MAX_RANKED = 30


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
    members: list[str] = field(default_factory=list)  # the family: date shards, partitions, copies

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
    sent: list[str] = field(default_factory=list)  # the tables (family representatives) the prompt carries
    whole_schema: bool = False  # the whole schema fit the prompt budget
    schema_tokens: int = 0  # the whole schema's estimated size in the prompt

    def top(self, n: int = 5) -> list[LinkedTable]:
        return self.tables[:n]

    def matched(self) -> list[LinkedTable]:
        """The tables with any evidence at all."""
        return [t for t in self.tables if t.score > 0]

    def table(self, name: str) -> LinkedTable | None:
        """The entry of ``name``, or of the family ``name`` belongs to."""
        return next((t for t in self.tables if t.name == name), None) or next((t for t in self.tables if name in t.members), None)

    def sent_tables(self) -> set[str]:
        """Every table the prompt names: the sent representatives and their families' members."""
        sent = set(self.sent)
        return sent | {m for t in self.tables if t.name in sent for m in t.members}


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


# -- the model's index (built once per model) ---------------------------------------------------


@dataclass
class TableIndex:
    """One family representative's words, ready to compare with a question's."""

    table: Table
    members: list[str]
    name_words: list[str]
    columns: list[tuple[str, list[str]]]  # (column name, its words without the table's column prefix)
    comment_stems: frozenset[str]
    description_stems: frozenset[str]
    tokens: int  # the table's estimated size in the prompt


@dataclass
class SchemaIndex:
    """Everything about a model that does not depend on the question, so a question costs a pass over words."""

    tables: dict[str, TableIndex]
    family_of: dict[str, str]  # every table -> its family's representative
    rarity: dict[str, float]
    values: ValueIndex
    neighbours: dict[str, set[str]]  # representatives joined by a non-rejected relationship
    co_usage: dict[str, Counter[str]]  # representatives read together by past queries, and how often
    shape_stems: list[tuple[frozenset[str], tuple[str, ...], float]]
    schema_tokens: int


_INDEXES: dict[int, tuple[weakref.ref, tuple[int, ...], SchemaIndex]] = {}


def schema_index(model: DataModel) -> SchemaIndex:
    """The model's index, cached until the model's tables, columns, relationships or query shapes change."""
    signature = (id(model.tables), len(model.tables), sum(len(t.columns) for t in model.tables),
                 len(model.relationships), sum(r.status == "rejected" for r in model.relationships),
                 len(model.queries.shapes), len(model.entities))
    cached = _INDEXES.get(id(model))
    if cached is not None and cached[0]() is model and cached[1] == signature:
        return cached[2]
    index = build_schema_index(model)
    for key in [k for k, (ref, _, _) in _INDEXES.items() if ref() is None]:
        del _INDEXES[key]
    _INDEXES[id(model)] = (weakref.ref(model), signature, index)
    return index


def build_schema_index(model: DataModel) -> SchemaIndex:
    vocabulary = model_vocabulary(model)
    families = table_families(t.name for t in model.tables)
    family_of = {member: rep for rep, members in families.items() for member in members}
    tables = {rep: index_table(model.table(rep) or Table(name=rep), members, vocabulary) for rep, members in families.items()}
    return SchemaIndex(tables, family_of, word_rarity(tables), build_value_index(model),
                       relationship_neighbours(model, family_of), query_co_usage(model, family_of),
                       shape_words(model, family_of), sum(t.tokens for t in tables.values()))


def index_table(table: Table, members: list[str], vocabulary: frozenset[str]) -> TableIndex:
    prefix = column_prefix(c.name for c in table.columns)
    words = [w for w in name_words(table.short_name, vocabulary) if w not in STOPWORDS and w not in TABLE_KIND_WORDS]
    columns = [(c.name, [w for w in name_words(strip_prefix(c.name, prefix), vocabulary) if w not in STOPWORDS]) for c in table.columns]
    comments = [table.comment, *(c.comment for c in table.columns)]
    descriptions = [table.description, *(c.description for c in table.columns)]
    return TableIndex(table, members, words, columns, text_stems(comments), text_stems(descriptions),
                      table_tokens(table, members))


def text_stems(texts: Iterable[str | None]) -> frozenset[str]:
    return frozenset(stem(w) for text in texts if text for w in question_words(text))


def table_tokens(table: Table, members: list[str]) -> int:
    """An estimate of the tokens the table takes in the prompt: one per word, number and punctuation mark."""
    text = schema_line(table, members)
    return len(TOKEN_PATTERN.findall(text))


def schema_line(table: Table, members: Iterable[str] = ()) -> str:
    """The table as the prompt shows it: ``- name(col TYPE, …) -- description``, and its family's other members."""
    columns = ", ".join(f"{c.name} {c.type}" for c in table.columns)
    line = f"- {table.name}({columns})"
    note = table.comment or table.description
    if note:
        line += f" -- {note}"
    others = [m for m in members if m != table.name]
    if others:
        line += f"\\n  same columns: {', '.join(others)}"
    return line


def word_rarity(tables: dict[str, TableIndex]) -> dict[str, float]:
    """Inverse table frequency of each name word's stem: words in every table (``id``, ``name``) count little."""
    frequency: Counter[str] = Counter()
    for entry in tables.values():
        words = {stem(w) for w in entry.name_words}
        words |= {stem(w) for _, column_words in entry.columns for w in column_words}
        frequency.update(words)
    total = max(len(tables), 1)
    return {word: math.log(1 + total / count) / math.log(1 + total) for word, count in frequency.items()}


def relationship_neighbours(model: DataModel, family_of: dict[str, str]) -> dict[str, set[str]]:
    neighbours: dict[str, set[str]] = defaultdict(set)
    for rel in model.relationships:
        child, parent = family_of.get(rel.child_table), family_of.get(rel.parent_table)
        if rel.status != "rejected" and child and parent and child != parent:
            neighbours[child].add(parent)
            neighbours[parent].add(child)
    return neighbours


def query_co_usage(model: DataModel, family_of: dict[str, str]) -> dict[str, Counter[str]]:
    """How often past queries read two tables together (weighted by executions)."""
    together: dict[str, Counter[str]] = defaultdict(Counter)
    for shape in model.queries.shapes:
        names = {family_of[t] for t in shape.tables if t in family_of}
        for name in names:
            for other in names - {name}:
                together[name][other] += shape.count
    return together


def shape_words(model: DataModel, family_of: dict[str, str], limit: int = 500) -> list[tuple[frozenset[str], tuple[str, ...], float]]:
    shapes = []
    for shape in model.queries.shapes[:limit]:
        if shape.kind not in (None, "select") or not shape.tables:
            continue
        stems = frozenset(stem(w) for w in re.findall(r"[a-z][a-z0-9_]*", shape.sql.lower()) for w in name_words(w))
        tables = tuple(sorted({family_of[t] for t in shape.tables if t in family_of}))
        shapes.append((stems, tables, min(1.0, math.log10(1 + shape.count))))
    return shapes


# -- linking -------------------------------------------------------------------------------------


def link_question(question: str, model: DataModel, budget_tokens: int | None = None) -> Linking:
    """Rank every table family of ``model`` for ``question`` and choose the tables to send (deterministic, no LLM)."""
    terms = Terms.of(question)
    index = schema_index(model)
    linked = {name: LinkedTable(name) for name in index.tables}
    matcher = WordMatcher(terms)
    for name, entry in index.tables.items():
        score_table_name(linked[name], entry, matcher, index.rarity)
        score_columns(linked[name], entry, matcher, index.rarity)
        score_descriptions(linked[name], entry, terms)
    score_values(linked, index, question)
    score_entities(linked, model, terms, index.family_of)
    score_query_shapes(linked, index, terms)
    score_co_usage(linked, index)
    score_bridges(linked, index)
    score_usage(linked, model)
    ranked = sorted(linked.values(), key=lambda t: (-t.score, -t.name_match, -(index.tables[t.name].table.row_count or 0), t.name))
    for linked_table in ranked:
        linked_table.members = index.tables[linked_table.name].members
    linking = Linking(question, list(terms.words), ranked)
    budget = DEFAULT_BUDGET_TOKENS if budget_tokens is None else budget_tokens
    linking.sent, linking.whole_schema = choose_tables(linking, index, budget)
    linking.schema_tokens = index.schema_tokens
    return linking


class WordMatcher:
    """``Terms.match`` remembered per name word: a 1,000-table model repeats the same few thousand words."""

    def __init__(self, terms: Terms) -> None:
        self.terms = terms
        self.seen: dict[str, float] = {}

    def __call__(self, word: str) -> float:
        found = self.seen.get(word)
        if found is None:
            found = self.seen[word] = self.terms.match(word)
        return found


def score_table_name(entry: LinkedTable, index: TableIndex, match: WordMatcher, rarity: dict[str, float]) -> None:
    """Points for the table's own name: all of ``singer_in_concert`` used scores higher than ``singer`` alone."""
    words = index.name_words
    if not words:
        return
    matches = [match(w) for w in words]
    share = sum(matches) / len(words)
    if share == 0:
        return
    entry.name_match = share
    weight = max(rarity.get(stem(w), 1.0) for w, m in zip(words, matches) if m)
    matched = " ".join(w for w, m in zip(words, matches) if m)
    entry.add(WEIGHTS["table_name"] * share * (0.5 + 0.5 * weight), f"table name: {matched}")


def score_columns(entry: LinkedTable, index: TableIndex, match: WordMatcher, rarity: dict[str, float]) -> None:
    """Points for columns the question names; the best counts most, generic words (``name``, ``id``) little."""
    found: list[LinkedColumn] = []
    for column, words in index.columns:
        if not words:
            continue
        matches = [match(w) for w in words]
        if any(matches):
            specific = [rarity.get(stem(w), 1.0) * m for w, m in zip(words, matches) if m and w not in GENERIC_TOKENS]
            points = WEIGHTS["column_name"] * sum(matches) / len(words) * (max(specific) if specific else 0.25)
            found.append(LinkedColumn(entry.name, column, points, f"column name: {column}"))
    add_columns(entry, found)


def add_columns(entry: LinkedTable, found: list[LinkedColumn]) -> None:
    found.sort(key=lambda c: -c.score)
    for rank, column in enumerate(found):
        entry.add(column.score * (1.0 if rank == 0 else 0.3), column.reason)
    entry.columns = _best_per_column([*entry.columns, *found])


def score_values(linked: dict[str, LinkedTable], index: SchemaIndex, question: str) -> None:
    """Points for columns holding a value the question names; a value found in many tables counts less in each."""
    hits = [h for h in index.values.find(tokens(question.replace("'", " ")), STOPWORDS) if h.table in index.family_of]
    holders: dict[str, set[str]] = defaultdict(set)
    for hit in hits:
        holders[hit.value.lower()].add(index.family_of[hit.table])
    found: dict[str, list[LinkedColumn]] = defaultdict(list)
    for hit in hits:
        name = index.family_of[hit.table]
        points = WEIGHTS["value"] * min(1.0, 0.6 + 0.2 * hit.words) / len(holders[hit.value.lower()])
        found[name].append(LinkedColumn(name, hit.column, points, f"value '{hit.value}' in {hit.column}", hit.value))
    for name, columns in found.items():
        add_columns(linked[name], columns)


def score_descriptions(entry: LinkedTable, index: TableIndex, terms: Terms) -> None:
    """A little for comments (written by people) and descriptions (verified docs) that use the question's words."""
    for kind, stems in (("comment", index.comment_stems), ("description", index.description_stems)):
        shared = stems & terms.stems
        if shared:
            entry.add(WEIGHTS[kind] * min(len(shared), 3), f"{kind}: {', '.join(sorted(shared))}")


def score_entities(linked: dict[str, LinkedTable], model: DataModel, terms: Terms, family_of: dict[str, str]) -> None:
    """Tables of an entity the question names (``member`` -> Member's tables)."""
    for entity in model.entities:
        words = name_words(entity.name)
        if words and all(terms.match(w) for w in words):
            for name in {family_of[t] for t in entity.tables if t in family_of}:
                linked[name].add(WEIGHTS["entity"] / (1 + len(entity.tables) / 4), f"entity {entity.name}")


def score_query_shapes(linked: dict[str, LinkedTable], index: SchemaIndex, terms: Terms) -> None:
    """Tables that past queries used together with the question's words (e.g. the path to a country)."""
    if not terms.stems:
        return
    seen: dict[str, float] = defaultdict(float)
    for stems, tables, weight in index.shape_stems:
        share = len(terms.stems & stems) / len(terms.stems)
        if share >= 0.5:
            for name in tables:
                seen[name] = max(seen[name], share * weight)
    for name, points in seen.items():
        linked[name].add(WEIGHTS["query_shape"] * points, "past queries with these words")


def score_co_usage(linked: dict[str, LinkedTable], index: SchemaIndex) -> None:
    """A table past queries read most often with a strongly linked table (its usual join partner)."""
    strong = [name for name, t in linked.items() if t.score >= STRONG_SCORE]
    for name in strong:
        partners = index.co_usage.get(name)
        if not partners:
            continue
        top = max(partners.values())
        for other, count in partners.items():
            if other not in strong and count >= 0.5 * top:
                linked[other].add(WEIGHTS["co_usage"] * count / top, f"queried with {name}")


def score_bridges(linked: dict[str, LinkedTable], index: SchemaIndex) -> None:
    """Pull up a table that references two linked tables (``singer_in_concert`` between singer and concert)."""
    strong = {name for name, t in linked.items() if t.score >= STRONG_SCORE}
    for name, entry in linked.items():
        touched = (index.neighbours.get(name, set()) - {name}) & strong
        if len(touched) >= 2:
            entry.add(WEIGHTS["bridge"], f"joins {', '.join(sorted(touched))}")


def score_usage(linked: dict[str, LinkedTable], model: DataModel) -> None:
    """A tie-breaker: among linked tables, the ones whose linked columns past queries use most."""
    if not model.usage:
        return
    used = {u.column.lower(): u.filter + u.group_by + u.join + u.select for u in model.usage}
    for entry in linked.values():
        if entry.score <= 0 or not entry.columns:
            continue
        uses = sum(used.get(f"{entry.name}.{c.name}".lower(), 0) for c in entry.columns)
        if uses:
            entry.add(WEIGHTS["usage"] * math.log10(1 + uses), f"columns used {uses}× in past queries")


# -- what to send --------------------------------------------------------------------------------


def choose_tables(linking: Linking, index: SchemaIndex, budget: int) -> tuple[list[str], bool]:
    """The tables the prompt carries: all of them when the schema fits ``budget``, else the linked ones.

    Linked ones: the ranking cut at its widest score gap among tables scoring at least ``KEEP_SHARE`` of the
    best, plus the tables on join paths between them, dropping the weakest while over budget.
    """
    if index.schema_tokens <= budget:
        return [t.name for t in linking.tables], True
    chosen = ranked_selection(linking, index)
    while len(chosen) > 1 and sum(index.tables[name].tokens for name in chosen) > budget:
        chosen.pop()
    return chosen, False


def ranked_selection(linking: Linking, index: SchemaIndex) -> list[str]:
    """The linked tables, ignoring the budget: the ranking cut at its gap, plus bridges on the join paths."""
    chosen = cut_at_gap([t for t in linking.tables if t.score > 0])
    chosen += [name for name in bridge_tables(chosen, index.neighbours) if name not in chosen]
    return chosen + [name for name in linked_neighbours(chosen, linking, index.neighbours) if name not in chosen]


def linked_neighbours(chosen: list[str], linking: Linking, neighbours: dict[str, set[str]]) -> list[str]:
    """Tables one relationship away from a chosen table that have evidence of their own, best first."""
    chosen_set = set(chosen)
    near = {name for table in chosen for name in neighbours.get(table, ())} - chosen_set
    return [t.name for t in linking.tables if t.name in near and t.score > 0]


def cut_at_gap(ranked: list[LinkedTable]) -> list[str]:
    """Tables above the widest relative drop in score (among those within ``KEEP_SHARE`` of the best)."""
    if not ranked:
        return []
    kept = [t for t in ranked if t.score >= KEEP_SHARE * ranked[0].score][:MAX_RANKED]
    cut, widest = len(kept), 0.0
    for position in range(MIN_SENT, len(kept)):
        drop = 1 - kept[position].score / kept[position - 1].score
        if drop > widest and drop >= MIN_GAP:
            cut, widest = position, drop
    return [t.name for t in kept[:cut]]


def bridge_tables(chosen: list[str], neighbours: dict[str, set[str]], max_hops: int = 3) -> list[str]:
    """Tables on the shortest relationship paths (up to ``max_hops`` joins) between pairs of chosen tables."""
    found: list[str] = []
    for position, start in enumerate(chosen):
        for end in chosen[position + 1:]:
            for name in shortest_path(start, end, neighbours, max_hops)[1:-1]:
                if name not in found:
                    found.append(name)
    return found


def shortest_path(start: str, end: str, neighbours: dict[str, set[str]], max_hops: int) -> list[str]:
    """Breadth-first path over relationships; ``[]`` when none within ``max_hops``."""
    previous: dict[str, str | None] = {start: None}
    frontier = [start]
    for _ in range(max_hops):
        following = []
        for name in frontier:
            for other in sorted(neighbours.get(name, ())):
                if other not in previous:
                    previous[other] = name
                    following.append(other)
        if end in previous:
            path: list[str] = []
            step: str | None = end
            while step is not None:
                path.append(step)
                step = previous[step]
            return path[::-1]
        frontier = following
    return []


def _best_per_column(found: Iterable[LinkedColumn]) -> list[LinkedColumn]:
    best: dict[str, LinkedColumn] = {}
    for column in found:
        if column.name not in best or column.score > best[column.name].score:
            best[column.name] = column
    return sorted(best.values(), key=lambda c: -c.score)
