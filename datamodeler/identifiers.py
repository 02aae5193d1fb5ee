"""Name analysis for key and relationship inference: tokens, singular forms, table prefixes, role words.

Pure functions over strings; ``memberId``, ``member_id`` and ``MEMBER_ID`` all normalise to ``member_id``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")

KEY_SUFFIXES = ("id", "key", "sk", "no", "num", "nbr", "number", "code", "ref", "fk", "line")
"""Last tokens that make a column look like a key or a reference to one."""

REFERENCE_SUFFIXES = KEY_SUFFIXES + ("by", "to", "via")
"""Last tokens of columns that may hold a reference (``created_by``, ``reports_to``, ``ship_via``)."""

PERSON_TABLE_WORDS = ("employee", "staff", "user", "person", "people", "member", "customer", "account", "agent",
                      "admin", "author", "owner", "contact", "physician", "nurse", "student", "faculty", "client")
STAFF_TABLE_WORDS = ("employee", "staff", "user", "agent", "admin", "person", "people")
PARTICIPANT_TABLE_WORDS = ("player", "athlete", "competitor", "participant", "person", "people", "member", "team")
KIN_TABLE_WORDS = ("person", "people", "member", "user", "customer", "employee", "student")

ROLE_WORDS = {
    # role word in a column name -> the kinds of tables it points to, best first
    "manager": STAFF_TABLE_WORDS, "supervisor": STAFF_TABLE_WORDS, "reports": STAFF_TABLE_WORDS,
    "boss": STAFF_TABLE_WORDS, "rep": STAFF_TABLE_WORDS, "representative": STAFF_TABLE_WORDS,
    "agent": STAFF_TABLE_WORDS, "assignee": STAFF_TABLE_WORDS, "assigned": STAFF_TABLE_WORDS,
    "approved": STAFF_TABLE_WORDS, "approver": STAFF_TABLE_WORDS, "reviewer": STAFF_TABLE_WORDS,
    "created": PERSON_TABLE_WORDS, "creator": PERSON_TABLE_WORDS, "updated": PERSON_TABLE_WORDS,
    "modified": PERSON_TABLE_WORDS, "opened": PERSON_TABLE_WORDS, "closed": PERSON_TABLE_WORDS,
    "owner": PERSON_TABLE_WORDS, "buyer": PERSON_TABLE_WORDS, "seller": PERSON_TABLE_WORDS,
    "author": PERSON_TABLE_WORDS, "requested": PERSON_TABLE_WORDS, "requester": PERSON_TABLE_WORDS,
    "referred": PERSON_TABLE_WORDS, "referrer": PERSON_TABLE_WORDS, "invited": PERSON_TABLE_WORDS,
    "sender": PERSON_TABLE_WORDS, "recipient": PERSON_TABLE_WORDS, "follower": PERSON_TABLE_WORDS,
    "winner": PARTICIPANT_TABLE_WORDS, "loser": PARTICIPANT_TABLE_WORDS, "opponent": PARTICIPANT_TABLE_WORDS,
    "male": KIN_TABLE_WORDS, "female": KIN_TABLE_WORDS, "husband": KIN_TABLE_WORDS, "wife": KIN_TABLE_WORDS,
    "spouse": KIN_TABLE_WORDS, "friend": KIN_TABLE_WORDS,
    "parent": (), "reports_to": STAFF_TABLE_WORDS,
}
SELF_ROLE_WORDS = frozenset({"manager", "supervisor", "reports", "boss", "parent"})
"""Role words that usually point back into the same table (``employees.manager_id``, ``categories.parent_id``)."""


def tokens(name: str) -> list[str]:
    """Lower-case word tokens: ``SupportRepId`` -> ``['support', 'rep', 'id']``; ``o_custkey`` -> ``['o', 'custkey']``;
    a concatenated lower-case key keeps its key word apart: ``businessentityid`` -> ``['businessentity', 'id']``."""
    spaced = _CAMEL_BOUNDARY.sub("_", name.strip())
    found = [t.lower() for t in _NON_WORD.split(spaced) if t]
    if found and (split := _split_key_word(found[-1])):
        found[-1:] = split
    vocabulary = _VOCABULARY.get()
    if vocabulary is not None:
        found = [word for token in found for word in _segment(token, vocabulary)]
    return found


_SPLIT_SUFFIXES = ("id", "number", "code", "nbr")


def _split_key_word(token: str) -> list[str] | None:
    """``customernumber`` -> ``['customer', 'number']``, ``deptcode`` -> ``['dept', 'code']``; words that merely end so
    (``paid``, ``valid``) stay whole."""
    for suffix in _SPLIT_SUFFIXES:
        head = token[: -len(suffix)]
        if token.endswith(suffix) and len(head) >= 3 and head.isalpha() and token not in _NOT_IDS:
            return [head, suffix]
    return None


# -- words of concatenated identifiers -------------------------------------------------------------

MIN_SEGMENTED = 6  # shorter unbroken tokens (``custid``'s head, ``dept``) stay whole
_VOCABULARY_WEIGHT = 1e-4  # a word of the schema's own vocabulary scores like a common English word
_VOCABULARY: ContextVar[Vocabulary | None] = ContextVar("identifier_vocabulary", default=None)


class Vocabulary:
    """The schema's own words: those its names spell apart (``order_line``, ``OrderLine``) and its table names,
    with their singulars and plurals. Hashed by identity, so segmentations are cached per schema."""

    def __init__(self, names: Iterable[str]):
        words: set[str] = set()
        for name in names:
            parts = [t.lower() for t in _NON_WORD.split(_CAMEL_BOUNDARY.sub("_", name.strip())) if t]
            for part in parts if len(parts) > 1 else ():
                if part.isalpha() and len(part) >= 3:
                    words |= {part, singular(part), part + "s"}
        self.words = frozenset(words)

    def __contains__(self, word: str) -> bool:
        return word in self.words


@contextmanager
def schema_vocabulary(names: Iterable[str]) -> Iterator[Vocabulary]:
    """Within this block, ``tokens`` splits unbroken lower-case words (``supportrepid`` -> support, rep, id) with
    the schema's own words first and the ``wordsegment`` corpus second."""
    vocabulary = Vocabulary(names)
    reset = _VOCABULARY.set(vocabulary)
    try:
        yield vocabulary
    finally:
        _VOCABULARY.reset(reset)


def _segment(token: str, vocabulary: Vocabulary) -> list[str]:
    if len(token) < MIN_SEGMENTED or not token.isalpha() or token in vocabulary or token in KEY_SUFFIXES:
        return [token]
    return _segmented(token, vocabulary)


@lru_cache(maxsize=65536)
def _segmented(token: str, vocabulary: Vocabulary) -> list[str]:
    """The most likely split of ``token`` into words: schema words, then English unigrams (``wordsegment``)."""
    unigrams = _unigrams()
    best: list[tuple[float, int]] = [(0.0, 0)] + [(-math.inf, 0)] * len(token)
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 24), end):
            word = token[start:end]
            score = best[start][0] + _word_score(word, vocabulary, unigrams)
            if score > best[end][0]:
                best[end] = (score, start)
    words, end = [], len(token)
    while end > 0:
        start = best[end][1]
        words.append(token[start:end])
        end = start
    return words[::-1]


def _word_score(word: str, vocabulary: Vocabulary, unigrams: dict[str, float]) -> float:
    """log10 probability of a word: the schema's words count as common, unknown words pay for their length."""
    if (word in vocabulary and len(word) >= 3) or word in KEY_SUFFIXES:
        return math.log10(_VOCABULARY_WEIGHT)
    if word in unigrams:
        return math.log10(unigrams[word])
    return math.log10(10.0 / (_CORPUS_TOTAL * 10 ** len(word)))


_CORPUS_TOTAL = 1024908267229.0


@lru_cache(maxsize=1)
def _unigrams() -> dict[str, float]:
    """English word frequencies from the ``wordsegment`` corpus (loaded once, on the first unbroken word)."""
    import wordsegment

    segmenter = wordsegment.Segmenter()
    segmenter.unigrams.update(segmenter.parse(segmenter.UNIGRAMS_FILENAME))
    return {word: count / _CORPUS_TOTAL for word, count in segmenter.unigrams.items()}


def normalize(name: str) -> str:
    """Case- and separator-free form: ``memberId`` and ``member_id`` both give ``memberid``."""
    return "".join(tokens(name))


def singular(word: str) -> str:
    """A cheap English singular: ``categories`` -> ``category``, ``addresses`` -> ``address``, ``people`` -> ``person``."""
    word = word.lower()
    if word == "people":
        return "person"
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes", "uses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def table_stem(table_short_name: str) -> str:
    """The table name as a singular, separator-free stem: ``Order Details`` -> ``orderdetail``."""
    parts = tokens(table_short_name)
    if not parts:
        return ""
    return "".join(parts[:-1]) + singular(parts[-1])


def table_stems(table_short_name: str) -> set[str]:
    """Stems a column may use for this table: the whole name, singular, and without a ``dim_``/``fct_``/``tbl`` prefix."""
    parts = tokens(table_short_name)
    stems = {normalize(table_short_name), table_stem(table_short_name)}
    while parts and parts[0] in ("dim", "fct", "fact", "tbl", "t", "d", "f", "ref", "lkp", "lu", "stg", "raw", "src"):
        parts = parts[1:]
        if parts:
            stems |= {"".join(parts), "".join(parts[:-1]) + singular(parts[-1])}
    if len(parts) >= 2:
        stems.add("last:" + singular(parts[-1]))  # operate_company.id <- company_id (used with generic keys only)
    return {s for s in stems if s}


def column_prefix(column_names: Iterable[str]) -> str | None:
    """The short prefix most columns share (TPC style: ``o_orderkey``, ``o_custkey`` -> ``o_``), else None."""
    names = [n.lower() for n in column_names]
    heads = Counter(n.split("_", 1)[0] + "_" for n in names if "_" in n and len(n.split("_", 1)[0]) <= 4)
    if not heads or len(names) < 2:
        return None
    head, count = heads.most_common(1)[0]
    return head if count >= max(2, 0.8 * len(names)) else None


def strip_prefix(name: str, prefix: str | None) -> str:
    """``name`` without the table's column prefix (``ss_item_sk`` with ``ss_`` -> ``item_sk``)."""
    if prefix and name.lower().startswith(prefix) and len(name) > len(prefix):
        return name[len(prefix):]
    return name


def is_key_like(name: str) -> bool:
    """True for names that look like a key: ``id``, ``*_id``, ``*Id``, ``*_key``, ``*_sk``, ``*_no``, ``*_code``, ``*key``."""
    parts = tokens(name)
    if not parts:
        return False
    last = parts[-1]
    if len(parts) > 1 and last.isdigit():  # club_id_2
        last = parts[-2]
    return last in KEY_SUFFIXES or last.endswith("key") or (last.endswith("id") and len(last) <= 7 and last not in _NOT_IDS)


_NOT_IDS = frozenset({"paid", "void", "valid", "invalid", "fluid", "rapid", "hybrid", "liquid", "solid", "android", "humid", "avoid",
                      "acid", "squid", "period", "said", "pyramid", "orchid", "splendid", "candid", "stupid", "vivid", "timid",
                      "prepaid", "unpaid", "overpaid", "david", "braid", "druid", "lipid", "cuboid", "asteroid", "tabloid",
                      "steroid", "thyroid", "paranoid", "humanoid", "typhoid", "placid", "lucid", "morbid", "rigid",
                      "tepid", "torrid", "insipid", "intrepid", "nonpaid", "repaid"})


def is_reference_like(name: str) -> bool:
    """True for names that may hold a reference: key-like ones and role forms such as ``created_by``, ``ship_via``."""
    parts = tokens(name)
    return is_key_like(name) or bool(parts and parts[-1] in REFERENCE_SUFFIXES)


def role_words(name: str) -> list[str]:
    """The role words in a column name: ``opened_by`` -> ``['opened']``, ``SupportRepId`` -> ``['rep']``."""
    parts = tokens(name)
    found = [p for p in parts if p in ROLE_WORDS]
    if "reports" in parts and "to" in parts:
        found.append("reports_to")
    return found


def entity_name(table_short_name: str) -> str:
    """A business-entity name for a table: ``order_details`` -> ``OrderDetail``, ``dim_customers`` -> ``Customer``."""
    parts = tokens(table_short_name)
    while len(parts) > 1 and parts[0] in ("dim", "fct", "fact", "tbl", "stg", "raw", "src", "ref"):
        parts = parts[1:]
    if not parts:
        return table_short_name
    parts[-1] = singular(parts[-1])
    return "".join(p.capitalize() for p in parts)
