"""Literal skeletons: one regex pass that finds a statement's literals, so that repeated shapes skip the tokenizer.

The skeleton of a statement is its text with every string and standalone number masked, lists of literals after
``IN`` collapsed and comments dropped. Statements that share a skeleton have the same tokens apart from those
literals, so the tokenizer runs once per skeleton: it tells which masked literals ``normalize_sql`` really replaces
and which it keeps (``ORDER BY 1``, ``decimal(10, 2)``). Later statements are looked up by their skeleton and the
values of the kept literals only (see ``shapes.ShapeCollector``).

The pass is one ``re.sub`` whose pattern starts with a character class (so the regex engine skips plain text in C),
built per dialect from sqlglot's tokenizer settings: its quotes, escapes, identifier delimiters and comment markers.
Every repetition is possessive, so nothing backtracks. Whatever it cannot judge cheaply -- dollar quotes, hints,
nested or unterminated comments, prefixed or unterminated strings, triple quotes -- sends the statement to the
tokenizer (``None``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlglot.dialects.dialect import Dialect

_NUMBER_TAIL = r"\d*+(?:\.\d*+)?+(?:[eE][+-]?+\d++)?+(?![\w.$])"
_NUMBER = r"\d" + _NUMBER_TAIL


@dataclass(frozen=True)
class Skeleton:
    """A statement's masked text and its masked literals: (start, end, what the skeleton holds in their place)."""

    key: str
    slots: tuple[tuple[int, int, str], ...]


class _NeedsTokenizer(Exception):
    """Raised inside the pass: the statement holds something only the tokenizer reads right."""


@dataclass(frozen=True)
class _Compiled:
    pattern: re.Pattern[str]
    item: re.Pattern[str]  # one literal inside a list: group "s" for a string
    always: tuple[str, ...]  # substrings that always need the tokenizer (triple quotes)


def literal_slots(sql: str, dialect: str | None = None) -> Skeleton | None:
    """The statement's skeleton, or None when it needs the tokenizer.

        >>> literal_slots("select a from t where id = 42 and b in ('x', 'y') order by 1").key
        "select a from t where id = ? and b in ('?') order by ?"
    """
    compiled = _compiled(dialect)
    if compiled.always and any(marker in sql for marker in compiled.always):
        return None
    masker = _Masker(compiled)
    try:
        key = compiled.pattern.sub(masker.replace, sql)
    except _NeedsTokenizer:
        return None
    return Skeleton(key, tuple(masker.slots))


def literal_skeleton(sql: str, dialect: str | None = None) -> str | None:
    """Just the masked text of ``literal_slots`` (None when the statement needs the tokenizer)."""
    skeleton = literal_slots(sql, dialect)
    return None if skeleton is None else skeleton.key


@lru_cache(maxsize=32)
def _compiled(dialect: str | None) -> _Compiled:
    """The dialect's one-pass pattern: a first character from a class, then a branch chosen by a look-behind."""
    tokenizer = Dialect.get_or_raise(dialect or None).tokenizer_class
    idents = {q: e for q, e in tokenizer._IDENTIFIERS.items() if len(q) == 1}
    quotes = {q: e for q, e in tokenizer._QUOTES.items() if len(q) == 1 == len(e) and q not in idents}
    string = "|".join(_quoted(q, e, tokenizer._STRING_ESCAPES) for q, e in quotes.items())
    branches = [
        *(rf"(?P<s{i}>(?<=(?<![\w$]){re.escape(q)}){_quoted('', e, tokenizer._STRING_ESCAPES)})" for i, (q, e) in enumerate(quotes.items())),
        *(rf"(?P<i{i}>(?<={re.escape(q)}){_quoted('', e, tokenizer._IDENTIFIER_ESCAPES or {e})})" for i, (q, e) in enumerate(idents.items())),
        *_line_comments(tokenizer),
        r"(?P<c>(?<=/)\*(?!\+)(?:[^*/]++|\*(?!/)|/(?!\*))*+\*/)",
        rf"(?P<n>(?<![\w.$@:#]\d)(?<=\d){_NUMBER_TAIL})",
        rf"(?P<list>(?<=\()\s*+(?:{string}|{_NUMBER})(?:\s*+,\s*+(?:{string}|{_NUMBER}))++\s*+\))",
        rf"(?P<risky>(?<=[{re.escape(''.join({*quotes, *idents}))}])|(?<=/)\*|(?<=\{{)#|(?<=\$)(?:[A-Za-z_]\w*+)?\$)",
    ]
    first = re.escape("".join({*quotes, *idents, "-", "/", "#", "{", "$", "("})) + r"\d"
    pattern = re.compile(rf"[{first}](?:{'|'.join(branches)})")
    item = re.compile(rf"(?P<s>{string})|{_NUMBER}")
    return _Compiled(pattern, item, tuple(q for q in tokenizer._QUOTES if len(q) > 1))


def _line_comments(tokenizer: Any) -> list[str]:  # a sqlglot Tokenizer class: its settings are class attributes
    """Branches for ``--`` / ``#`` / ``//`` comments, ended where the dialect's tokenizer ends them."""
    end = r"[^\n]" if tokenizer.COMMENTS_TERMINATE_AT_NEWLINE_ONLY else r"[^\n\r]"
    branches: list[str] = []
    for marker, closer in tokenizer._COMMENTS.items():
        if closer is not None or marker[0] not in "-#/":
            continue
        boundary = r"(?=[\s\x00-\x1f\x7f]|\Z)" if marker == "--" and tokenizer.DASH_COMMENT_REQUIRES_BOUNDARY else ""
        branches.append(rf"(?P<c{len(branches)}>(?<={re.escape(marker[0])}){re.escape(marker[1:])}{boundary}{end}*+)")
    return branches


def _quoted(open_: str, close: str, escapes: object) -> str:
    """A quoted run from ``open_`` to ``close`` honouring the dialect's escapes (doubling and/or backslash)."""
    c = re.escape(close)
    backslash = "\\" in escapes  # type: ignore[operator]
    parts = [rf"[^{c}\\]++" if backslash else rf"[^{c}]++"]
    if backslash:
        parts.append(r"\\(?s:.)")
    if close in escapes:  # type: ignore[operator]
        parts.append(c + c)
    return rf"{re.escape(open_)}(?:{'|'.join(parts)})*+{c}"


class _Masker:
    """Collects the slots of one pass and says what each match becomes in the skeleton."""

    __slots__ = ("compiled", "slots")

    def __init__(self, compiled: _Compiled) -> None:
        self.compiled = compiled
        self.slots: list[tuple[int, int, str]] = []

    def replace(self, match: re.Match[str]) -> str:
        kind = (match.lastgroup or "?")[0]
        if kind == "n":  # the common cases inline: this runs once per literal of every logged statement
            self.slots.append((*match.span(), "?"))
            return "?"
        if kind == "s":
            self.slots.append((*match.span(), "'?'"))
            return "'?'"
        return _HANDLERS.get(kind, _Masker.keep)(self, match)

    def keep(self, match: re.Match[str]) -> str:
        return match.group()

    def comment(self, match: re.Match[str]) -> str:
        if match.start() and match.string[match.start() - 1] == "-":
            return match.group()  # MySQL's "---": a space here would turn the dash before into a new comment
        return " "

    def risky(self, match: re.Match[str]) -> str:
        raise _NeedsTokenizer

    def literal_list(self, match: re.Match[str]) -> str:
        """``in (1, 2, 3)`` is one slot, masked as ``normalize_sql`` collapses it; other lists mask item by item."""
        sql, start = match.string, match.start()
        before = sql[max(0, start - 40) : start].rstrip()
        if before[-2:].lower() == "in" and (len(before) == 2 or not (before[-3].isalnum() or before[-3] in "_$@#.")):
            all_strings = all(item.group("s") for item in self.compiled.item.finditer(sql, start + 1, match.end()))
            marker = "('?')" if all_strings else "(?)"
            self.slots.append((start, match.end(), marker))
            return marker
        parts, last = ["("], start + 1
        for item in self.compiled.item.finditer(sql, start + 1, match.end()):
            parts.append(sql[last : item.start()])
            marker = "'?'" if item.group("s") else "?"
            parts.append(marker)
            self.slots.append((item.start(), item.end(), marker))
            last = item.end()
        parts.append(sql[last : match.end()])
        return "".join(parts)


_HANDLERS: dict[str, Callable[[_Masker, re.Match[str]], str]] = {
    "i": _Masker.keep, "c": _Masker.comment, "r": _Masker.risky, "l": _Masker.literal_list,
}
