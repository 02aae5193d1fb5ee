"""What documentation claims about a column, read from free text into a small typed set of ``Claim`` records.

    read_claims("Values never repeat and cannot be null.") -> [Claim("unique", …), Claim("not_null", …)]
    normalize_text("Uni\\u200bque")                           -> "unique"

Kinds: ``unique``, ``not_null``, ``key`` (primary key / identifies each row), ``references`` (a table, or
``table.column``), ``range`` (low/high bounds), ``allowed_values``. A claim with ``negated`` says the opposite
(``not unique``); hedged wording (``may be null``, ``optional``, ``unique per order``) makes no claim at all.
Reading is conservative: a phrase that could be about something else than the column's values is skipped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

ClaimKind = Literal["unique", "not_null", "key", "references", "range", "allowed_values"]

# Latin look-alikes (Cyrillic and Greek letters) that NFKC leaves alone: "unіque" must read as "unique".
_LOOKALIKES = str.maketrans({
    **dict(zip("асеорхуіјѕԁӏһвмтк", "aceopxyijsdlhbmtk")),  # Cyrillic
    **dict(zip("αοιкνρτυε", "aoikvptue")),  # Greek
    **dict(zip("АВСЕНІЈКМОРЅТХΑΒΕΗΙΚΜΝΟΡΤΥΧΖ", "ABCEHIJKMOPSTXABEHIKMNOPTYXZ")),
})
_NUMBER = r"[-+−]?\d+(?:[.,]\d+)?"


@dataclass(frozen=True)
class Claim:
    """One checkable statement: ``phrase`` is the normalised text that made it."""

    kind: ClaimKind
    phrase: str
    negated: bool = False
    primary: bool = False  # key: "primary key" / "PK", not only "identifies each row"
    target: str | None = None  # references: "orders", "sales.orders.id"
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    values: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        """``unique``, ``not unique``, ``in 0..100``, ``one of a, b`` — how evidence names the claim."""
        if self.kind == "range":
            low = "" if self.low is None else f"{'>=' if self.low_inclusive else '>'} {_number_text(self.low)}"
            high = "" if self.high is None else f"{'<=' if self.high_inclusive else '<'} {_number_text(self.high)}"
            return " and ".join(part for part in (low, high) if part)
        if self.kind == "allowed_values":
            return "one of " + ", ".join(self.values)
        if self.kind == "references":
            return f"a reference to {self.target}"
        words = {"unique": "unique", "not_null": "never null", "key": "the primary key" if self.primary else "a row identifier"}
        return ("not " if self.negated else "") + words[self.kind]


def normalize_text(text: str) -> str:
    """NFKC, format characters (zero-width, bidi) removed, look-alike letters folded, case-folded, one space."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\n\t")
    text = text.translate(_LOOKALIKES).casefold()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("−", "-")
    return " ".join(text.split())


def read_claims(text: str) -> list[Claim]:
    """Every claim of ``text``, clause by clause; one key, unique and not-null claim each, a hedge or negation
    anywhere (``null when …; otherwise always set``) winning over a positive one."""
    found: list[Claim] = []
    for clause in split_clauses(normalize_text(text)):
        for read in READERS:
            found.extend(claim for claim in read(clause) if claim not in found)
    settled = {kind: _settle([c for c in found if c.kind == kind]) for kind in ("key", "unique", "not_null")}
    return [c for c in found if c.kind not in settled or c in settled[c.kind]]


def split_clauses(text: str) -> list[str]:
    """Sentences and ``;``-separated parts (a dot inside ``a.b`` or ``1.5`` does not split)."""
    parts = re.split(r"(?<!\d)[.!?](?!\w)|[.!?](?=\s)|;|\n| - | but | whereas | although ", text)
    return [part.strip(" ,:") for part in parts if part and part.strip(" ,:")]


# -- unique and key -------------------------------------------------------------------------------

_NEGATOR = r"(?:not|never|no longer|isn't|aren't|wasn't|is not|are not|cannot be|can't be|non-?|neither)\s*(?:a |an |the |always |necessarily |really |guaranteed |strictly )?"
_ROW_WORDS = r"(?:row|rows|record|records|entry|entries|line|lines|tuple|tuples)"
_UNIQUE_POSITIVE = re.compile(
    r"\bunique(?:ly)?\b|\bdistinct (?:per|for each|for every|in each|in every|across|on each|on every) " + _ROW_WORDS + r"\b"
    r"|\b(?:values?|entries|ids?|codes?|keys?|numbers?|it|they) (?:are |is )?(?:all |always )?distinct\b(?! from)"
    r"|\b(?:never|do not|don't|does not|doesn't|cannot|can't|will not|won't|must not|may not) (?:be )?(?:repeat|repeated|duplicated|duplicate|reused)\b"
    r"|\bno (?:two|duplicates?|duplicated|repeated|repeats|repeating)\b|\bwithout (?:duplicates|repeats|repetition)\b"
    r"|\bduplicate-free\b|\bfree of duplicates\b|\bnot duplicated\b|\bappears? (?:only |exactly |just )?once\b"
    r"|\b(?:candidate|alternate|alternative) key\b")
_UNIQUE_NEGATIVE = re.compile(
    r"\b(?:may|can|might|could|will|do|does|often|sometimes|frequently) (?:be )?(?:repeat|repeated|repeats|duplicated|shared|reused)\b"
    r"|\b(?:duplicates?|duplicate values|repeats|repeated values) (?:are |is )?(?:allowed|possible|expected|occur|exist|common)\b"
    r"|\b(?:may|can|might|could) (?:contain|have|hold) duplicates?\b|\brepeats\b|\bnot distinct\b")
_SCOPED = re.compile(r"^\W*(?:per|within|for each|for every|for a given|for one|in each|in every|by|among|inside|"
                     r"together with|combined with|with|in combination with|along with|and \w+ together|across each|"
                     r"when|if|once|among|scoped to|relative to|in the context of|for|on)\b\s*(?:a |an |the |one |each |every |given )?(\S*)")
_COUNTING = re.compile(r"\b(?:number|count|counts|total|totals|sum|how many|amount|share|percentage|percent|ratio|fraction|rate|average|avg)\b"
                       r"(?: of| the)*\s*$")
_PART_OF = re.compile(r"\b(?:part of|one of the columns of|member of|component of|half of|element of)\s+(?:a |an |the |its )?(?:\w+ )?$"
                      r"|\b(?:composite|compound|multi-column|combined)\s+$")
_PRIMARY_KEY = re.compile(r"\b(?:primary[ -]key|pk)\b")
_ROW_IDENTIFIER = re.compile(r"\b(?:uniquely )?identif(?:y|ies|ying) (?:each|every|a|the|one) (?:single )?" + _ROW_WORDS + r"\b"
                             r"|\b(?:unique )?(?:row|record) (?:identifier|id)\b|\bidentifier (?:of|for) (?:each|every) " + _ROW_WORDS + r"\b"
                             r"|\bunique identifier\b")
_FOREIGN_CONTEXT = re.compile(r"\b(?:references?|referencing|refers? to|points? to|pointing to|links? to|linking to|foreign|fk|"
                              r"join(?:s|ed)? (?:to|on|with)|matches|same as|copy of|from|to|into|in)\s+(?:the |a |an |its )?(?:\w+'s )?$")


def read_unique(clause: str) -> list[Claim]:
    """``unique``, ``values never repeat``, ``no duplicates``, ``distinct per row``; ``not unique`` negated."""
    claims = []
    for match in _UNIQUE_POSITIVE.finditer(clause):
        before, after = clause[:match.start()], clause[match.end():]
        if _COUNTING.search(before) or _PART_OF.search(before) or _is_scoped(after) or _is_reference_key(before, after):
            continue
        if match.group() == "unique" and _counted_noun(after):
            continue
        if match.group().startswith("unique") and re.match(r"\s*(?:key|constraint|index)\b", after) and re.search(r"\bpart of|composite", before):
            continue
        claims.append(Claim("unique", match.group(), negated=_negated(before)))
    for match in _UNIQUE_NEGATIVE.finditer(clause):
        if not re.search(r"\b(?:never|not|no|cannot|can't|won't)\s+(?:\w+\s+)?$", clause[:match.start()]):
            claims.append(Claim("unique", match.group(), negated=True))
    return _settle(claims)


def read_key(clause: str) -> list[Claim]:
    """``primary key``/``PK`` of this table (not of another one), ``identifies each row``, ``unique identifier``."""
    claims = []
    for match in _PRIMARY_KEY.finditer(clause):
        before, after = clause[:match.start()], clause[match.end():]
        if _FOREIGN_CONTEXT.search(before) or _PART_OF.search(before) or _names_other_table(after):
            continue
        claims.append(Claim("key", match.group(), negated=_negated(before), primary=True))
    for match in _ROW_IDENTIFIER.finditer(clause):
        before, after = clause[:match.start()], clause[match.end():]
        if _FOREIGN_CONTEXT.search(before) or _PART_OF.search(before) or _is_scoped(after) or _names_other_table(after):
            continue
        claims.append(Claim("key", match.group(), negated=_negated(before)))
    return _settle(claims)


_OWN_VALUES = frozenset({"values", "ids", "identifiers", "codes", "keys", "numbers", "entries", "names", "hashes", "references", "tokens"})


def _counted_noun(after: str) -> bool:
    """``unique visitors``/``unique sessions``: a count of distinct things, not a claim about this column."""
    noun = re.match(r"\s*([a-z]+s)\b", after)
    return noun is not None and not noun.group(1).endswith("ss") and noun.group(1) not in _OWN_VALUES


def _is_scoped(after: str) -> bool:
    """``unique per order``/``within a member``/``together with line_no``: uniqueness within a group, not a column's."""
    scoped = _SCOPED.match(after)
    if scoped is None:
        return False
    word = scoped.group(1)
    return not re.fullmatch(_ROW_WORDS + r"|table|dataset|warehouse|all|the|this|whole|entire", word or "")


def _is_reference_key(before: str, after: str) -> bool:
    """``unique id of the customer`` is a column's own claim; ``the customer's unique id`` pointing elsewhere is too
    ambiguous: only ``references the unique key of X`` is skipped."""
    return bool(_FOREIGN_CONTEXT.search(before)) and bool(re.match(r"\s*(?:key|id|identifier)\b", after))


def _names_other_table(after: str) -> bool:
    """``primary key of customers`` / ``pk in orders``: about another table (``of this table`` is not)."""
    found = re.match(r"\s*(?:of|in|from|on|for)\s+(?:the |a |an )?(\S+)", after)
    return found is not None and found.group(1) not in ("this", "these", "its", "each", "every", "table", "row", "rows", "record", "it")


def _negated(before: str) -> bool:
    return bool(re.search(r"\b" + _NEGATOR + r"$", before)) or bool(re.search(r"\bnon-?$", before))


def _settle(claims: list[Claim]) -> list[Claim]:
    """One claim per kind: a negated one wins (``unique? no, not unique``), else the first."""
    if not claims:
        return []
    negated = [c for c in claims if c.negated]
    return [negated[0] if negated else claims[0]]


# -- not null -------------------------------------------------------------------------------------

_BLANK = r"(?:null|nulls|empty|missing|blank|unset|absent|undefined|nil|none)"
_NOT_NULL_POSITIVE = re.compile(
    r"\bnot[ -]null(?:able)?\b|\bnon[ -]?null(?:able)?\b|\bnever (?:be )?(?:left )?" + _BLANK + r"\b|\bno (?:null|nulls|null values|missing values|empty values|blanks)\b"
    r"|\b(?:cannot|can't|can not|must not|may not|will not|won't|does not|doesn't|is never|are never|should not) (?:be |contain |hold |have )?(?:a )?(?:left )?" + _BLANK + r"(?: values?)?\b"
    r"|\balways (?:be )?(?:set|present|filled(?: in)?|populated|provided|known|non-null|there|given|recorded|available)\b"
    r"|\b(?:populated|filled(?: in)?|set|present) (?:for|on|in) (?:every|each|all) (?:row|rows|record|records)\b"
    r"|\b(?:is |are |a |field |value )?mandatory\b|\b(?:is|are|always) required\b|\brequired (?:field|value|column|attribute)\b|^required$"
    r"|\bnull-free\b|\bwithout (?:any )?nulls?\b|\bfree of nulls\b|\bfully populated\b|\bevery (?:row|record) has (?:a|an|one|its)\b"
    r"|\bnever left (?:empty|blank)\b")
_NOT_NULL_HEDGES = re.compile(
    r"\b(?:may|can|might|could|will|is|are|sometimes|often|usually|otherwise|else|or|possibly|be|left|stays|remains|set to|until) (?:be )?(?:left )?" + _BLANK + r"\b"
    r"|\boptional(?:ly)?\b|\bif any\b|\bif known\b|\bif available\b|\bif applicable\b|\bwhere (?:known|available|applicable)\b"
    r"|\bnullable\b|\b" + _BLANK + r" (?:when|if|for|until|unless|before|after|while|on|in case)\b|\bnot (?:always|necessarily) (?:set|present|filled|populated|provided|known)\b"
    r"|\bnot (?:required|mandatory)\b|\bcan be left\b|\bmay be omitted\b|\bnot every\b")
_CONDITION = re.compile(r"^\W*(?:for|when|if|unless|except|once|after|before|until|while|on|whenever|as long as|provided|only)\b"
                        r"(?!\s+(?:all|every|each|any) )")


def read_not_null(clause: str) -> list[Claim]:
    """``no NULLs``, ``cannot be null``, ``always present``, ``mandatory``; hedged (``may be null``,
    ``optional``, ``required for paid plans``) makes no claim; ``not mandatory`` is negated."""
    hedge = _NOT_NULL_HEDGES.search(_strip_positive(clause))
    if hedge:
        return [Claim("not_null", hedge.group(), negated=True)]
    for match in _NOT_NULL_POSITIVE.finditer(clause):
        before, after = clause[:match.start()], clause[match.end():]
        if _CONDITION.match(after) or re.search(r"\b(?:when|if|once|for|after|unless|otherwise|else)\b", before):
            continue
        return [Claim("not_null", match.group(), negated=bool(re.search(r"\b(?:not|never|isn't|aren't)\s+(?:always\s+)?$", before)))]
    return []


def _strip_positive(clause: str) -> str:
    """The clause without its positive phrases, so ``cannot be null`` is not read as the hedge ``be null``."""
    return _NOT_NULL_POSITIVE.sub(" ", clause)


# -- references -----------------------------------------------------------------------------------

_NAME = r"[a-z_][\w$]*(?:\.[a-z_][\w$]*){0,2}(?:\s*\(\s*[a-z_][\w$]*\s*\))?"
_REFERENCE = re.compile(
    r"\b(?:references?|referencing|refers to|points to|pointing to|foreign[ -]key (?:to|into|on|referencing|of)|fk (?:to|into|referencing|of)|"
    r"(?:primary[ -]key|pk|key|id|identifier) (?:of|in|from|into)|joins (?:to|with)|links to)\s+(?:the |a |an )?(" + _NAME + r")")
_NOT_A_NAME = frozenset({"this", "that", "it", "its", "each", "every", "one", "other", "another", "same", "which", "who", "whom",
                         "table", "row", "rows", "record", "records", "parent", "child", "value", "values", "column", "corresponding"})


def read_references(clause: str) -> list[Claim]:
    """``references orders.id``, ``foreign key to customers(id)``, ``the PK of members``: one claim per target."""
    claims = []
    for match in _REFERENCE.finditer(clause):
        target = re.sub(r"\s*\(\s*(\S+?)\s*\)", r".\1", match.group(1))
        if target.split(".")[0] in _NOT_A_NAME or _negated(clause[:match.start()]):
            continue
        claims.append(Claim("references", match.group(), target=target))
    return claims


# -- range ----------------------------------------------------------------------------------------

_BETWEEN = re.compile(r"\b(?:between|from|ranges? from|ranging from|in the range(?: of)?|on a scale (?:of|from)|scale of|range)\s+"
                      r"(" + _NUMBER + r")\s*(?:and|to|-|–|\.\.)\s*(" + _NUMBER + r")\b(?!\s*(?:%|percent|minutes|seconds|hours|days|items|times))")
_VALUE_SUBJECT = r"(?:^|\b(?:is|are|be|always|only|value|values|it|amount|amounts|number|score|scores|rate|price|quantity|count|age|must be|stays|remains|lies|lie|falls?|ranges?|ranging|scored|measured|expressed|between|from))\s*$"
_OTHER_SUBJECT = re.compile(r"\b(?:with|having|where|whose|lasting|that|which|of|for|in|available|valid|active|sold|open|running)\s+(?:\S+\s+){0,2}$")
_SIGN = re.compile(r"\b(?:(?:always |only |strictly |must be |is |are |be )?(?:positive or zero|zero or (?:more|positive|greater))|non-?negative|not negative|(?:greater than or equal to|at least|no less than|not less than) zero|never negative|(?:cannot|can't|can not|must not|may not|is never|are never|should not) be negative|"
                   r"(?:strictly |always |only |must be |is |are |be )positive|"
                   r"positive (?:numbers?|integers?|amounts?|values?|quantit(?:y|ies)|decimals?)(?! (?:mean|indicate|denote|represent|signal|are|show)))\b")
_BOUND = re.compile(r"(?:\b(at least|no less than|not less than|greater than or equal to|minimum(?: of)?|min|(?:greater|more|larger|bigger|higher) than|above|over)"
                    r"|\b(at most|no more than|not more than|no greater than|less than or equal to|maximum(?: of)?|max|up to|(?:less|smaller|fewer|lower) than|below|under|never exceeds?|does not exceed|doesn't exceed)"
                    r"|(>=|≥|=>|>|<=|≤|=<|<))\s*(" + _NUMBER + r")\b(?!\s*(?:%|percent|minutes|seconds|hours|days|items|times|characters|chars))")
_LOWER_WORDS = {"at least": True, "no less than": True, "not less than": True, "greater than or equal to": True, "minimum": True,
                "minimum of": True, "min": True, ">=": True, "≥": True, "=>": True}
_UPPER_EXCLUSIVE = {"less than", "smaller than", "fewer than", "lower than", "below", "under", "<"}


def read_range(clause: str) -> list[Claim]:
    """``between 0 and 100``, ``from 1 to 5``, ``positive``, ``non-negative``, ``at least 1``, ``<= 10``."""
    claims = []
    for match in _BETWEEN.finditer(clause):
        low, high = sorted((_to_number(match.group(1)), _to_number(match.group(2))))
        if not _OTHER_SUBJECT.search(clause[:match.start()]):
            claims.append(Claim("range", match.group(), low=low, high=high))
    for match in _SIGN.finditer(clause):
        strict = "positive" in match.group() and "zero" not in match.group()
        claims.append(Claim("range", match.group(), low=0.0, low_inclusive=not strict))
    for match in _BOUND.finditer(clause):
        if re.search(_VALUE_SUBJECT, clause[:match.start()]):
            claims.append(_bound_claim(match))
    return claims


def _bound_claim(match: re.Match[str]) -> Claim:
    words = (match.group(1) or match.group(2) or match.group(3)).strip()
    value = _to_number(match.group(4))
    if match.group(1) or words in _LOWER_WORDS or words == ">":
        return Claim("range", match.group(), low=value, low_inclusive=words in _LOWER_WORDS)
    return Claim("range", match.group(), high=value, high_inclusive=words not in _UPPER_EXCLUSIVE)


def _to_number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", "."))


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


# -- allowed values -------------------------------------------------------------------------------

_LIST_START = re.compile(r"\b(?:one of|any of|either|(?:possible|allowed|valid|permitted|accepted) values?(?: are| is)?|values?(?: are| is)? (?:limited|restricted) to|"
                         r"takes? (?:the )?values?|(?:can|may) only be|is always one of|must be one of|values?:)\s*:?\s*")
_ITEM_SPLIT = re.compile(r"\s*(?:,\s*(?:or |and )?|\s/\s|/|\s\|\s|\bor\b|\band\b)\s*")
_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those", "some", "several", "many", "two",
                          "three", "four", "five", "multiple", "which", "whose", "our", "your", "my", "each", "every", "all", "any"})


def read_allowed_values(clause: str) -> list[Claim]:
    """``one of 'a', 'b', 'c'``, ``either X or Y``, ``allowed values: a/b/c`` — a list of 2+ short items."""
    start = _LIST_START.search(clause)
    if start is None or _negated(clause[:start.start()]):
        return []
    rest = re.split(r"\(|\)|\bwhere\b|\bwhich\b|\bdepending\b|\bfor\b|\bwith\b", clause[start.end():], maxsplit=1)[0]
    items = [item.strip(" '\"`") for item in _ITEM_SPLIT.split(rest.strip()) if item.strip(" '\"`")]
    quoted = bool(re.search(r"['\"`]", rest))
    if len(items) < 2 or any(not _looks_like_value(item, quoted, start.group()) for item in items):
        return []
    return [Claim("allowed_values", start.group().strip() + " " + rest.strip(), values=tuple(items))]


def _looks_like_value(item: str, quoted: bool, opener: str) -> bool:
    words = item.split()
    if not words or len(words) > 3 or (len(words) > 1 and words[0] in _DETERMINERS):
        return False
    return quoted or len(words) == 1 or not opener.startswith(("either", "one of", "any of"))


READERS = (read_key, read_unique, read_not_null, read_references, read_range, read_allowed_values)
