"""Statement fingerprints: literals become placeholders, case and whitespace are folded, IN-lists collapse.

Built on sqlglot's tokenizer only (no parsing), so it is cheap enough to run on every logged statement.
The normalised text is what the model stores and what lineage parses: literals never leave this module.

    >>> normalize_sql("SELECT *  FROM t WHERE id IN (1, 2, 3) AND name = 'Ann'")
    "select * from t where id in (?) and name = '?'"
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, TokenType

from ..errors import DatamodelerError
from .skeleton import Skeleton, literal_skeleton, literal_slots

__all__ = ["normalize_sql", "normalize_tracked", "fingerprint_of", "literal_skeleton", "literal_slots", "Skeleton", "FingerprintError"]

NUMBER_PLACEHOLDER = "?"
STRING_PLACEHOLDER = "'?'"

# String-like literals become '?' so that typed literals (DATE '…', INTERVAL '…') still parse.
_STRING_TOKENS = frozenset(
    {TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.HEREDOC_STRING, TokenType.RAW_STRING,
     TokenType.BYTE_STRING, TokenType.BIT_STRING, TokenType.HEX_STRING, TokenType.UNICODE_STRING}
)
_ORDINAL_CLAUSE_STARTERS = frozenset({TokenType.ORDER_BY, TokenType.GROUP_BY})
_ORDINAL_FOLLOWERS = frozenset(
    {TokenType.COMMA, TokenType.R_PAREN, TokenType.SEMICOLON, TokenType.ASC, TokenType.DESC, TokenType.VAR,
     TokenType.LIMIT, TokenType.HAVING, TokenType.UNION, TokenType.EXCEPT, TokenType.INTERSECT,
     TokenType.OFFSET, TokenType.FETCH, TokenType.QUALIFY, TokenType.WINDOW, TokenType.ORDER_BY}
)
_DOUBLE_QUOTED_STRING_DIALECTS = frozenset({"sqlite"})
_COMPARISON_TOKENS = frozenset(
    {TokenType.EQ, TokenType.NEQ, TokenType.LT, TokenType.LTE, TokenType.GT, TokenType.GTE, TokenType.LIKE,
     TokenType.ILIKE, TokenType.GLOB, TokenType.BETWEEN}
)
_NO_SPACE_BEFORE = frozenset({TokenType.COMMA, TokenType.R_PAREN, TokenType.DOT, TokenType.SEMICOLON, TokenType.R_BRACKET})
_NO_SPACE_AFTER = frozenset({TokenType.L_PAREN, TokenType.DOT, TokenType.L_BRACKET})
_CALLABLE = frozenset({TokenType.VAR, TokenType.IDENTIFIER, *Parser.TYPE_TOKENS, *Parser.FUNC_TOKENS}) - {TokenType.L_PAREN}


class FingerprintError(DatamodelerError):
    """A statement that cannot even be tokenized (an unterminated string or comment)."""


@lru_cache(maxsize=32)
def _dialect(name: str | None) -> Dialect:
    return Dialect.get_or_raise(name or None)


def normalize_sql(sql: str, dialect: str | None = None) -> str:
    """The statement with literals replaced, identifiers and keywords lower-cased (unless quoted), one space apart."""
    return normalize_tracked(sql, dialect)[0]


def normalize_tracked(sql: str, dialect: str | None = None) -> tuple[str, frozenset[int]]:
    """``normalize_sql`` and the offsets of the literals it kept (ordinals, type sizes, strings it could not see)."""
    try:
        tokens = _dialect(dialect).tokenize(sql)
    except TokenError:
        # sqlglot's message quotes the statement, literals included: say what failed, not what it read
        raise FingerprintError("cannot tokenize statement (an unterminated string, quoted name or comment?)") from None
    kept: list[int] = []
    words = _placeholder_words(sql, tokens, (dialect or "").lower() in _DOUBLE_QUOTED_STRING_DIALECTS, kept)
    return _join_words(_collapse_lists(words)), frozenset(kept)


def fingerprint_of(normalized: str) -> str:
    """A short stable id of a normalised statement."""
    return hashlib.sha1(normalized.encode("utf-8")).hexdigest()[:16]


def _placeholder_words(sql: str, tokens: list[Token], double_quoted_strings: bool = False,
                       kept: list[int] | None = None) -> list[tuple[TokenType, str]]:
    """(token type, text) pairs with every literal swapped for a placeholder; ``kept`` gets the offsets of those kept."""
    words: list[tuple[TokenType, str]] = []
    type_params_depth = 0
    ordinal_clause = False
    for index, token in enumerate(tokens):
        kind = token.token_type
        if kind in _ORDINAL_CLAUSE_STARTERS:
            ordinal_clause = True
        elif kind in (TokenType.SELECT, TokenType.WHERE, TokenType.FROM):
            ordinal_clause = False
        if kind == TokenType.L_PAREN and words and words[-1][0] in Parser.TYPE_TOKENS:
            type_params_depth = 1
        elif type_params_depth and kind == TokenType.L_PAREN:
            type_params_depth += 1
        elif type_params_depth and kind == TokenType.R_PAREN:
            type_params_depth -= 1
        if kind in _STRING_TOKENS:
            words.append((TokenType.STRING, STRING_PLACEHOLDER))
        elif kind == TokenType.NUMBER and not type_params_depth and not _is_ordinal(tokens, index, ordinal_clause):
            words.append((TokenType.PLACEHOLDER, NUMBER_PLACEHOLDER))
        elif kind == TokenType.IDENTIFIER and double_quoted_strings and _is_string_in_disguise(sql, tokens, index):
            words.append((TokenType.STRING, STRING_PLACEHOLDER))
        elif kind == TokenType.IDENTIFIER:
            words.append((kind, sql[token.start : token.end + 1]))
        else:
            if kind == TokenType.NUMBER and kept is not None:
                kept.append(token.start)
            words.append((kind, " ".join(sql[token.start : token.end + 1].lower().split())))
    return words


def _is_string_in_disguise(sql: str, tokens: list[Token], index: int) -> bool:
    """SQLite reads an unresolvable "name" as a string: treat one compared with something as a literal."""
    token = tokens[index]
    if sql[token.start] != '"' or index == 0:
        return False
    following = tokens[index + 1].token_type if index + 1 < len(tokens) else None
    previous = tokens[index - 1].token_type
    if following == TokenType.DOT:
        return False
    if previous in (TokenType.COMMA, TokenType.L_PAREN):
        return _inside_in_list(tokens, index)
    if previous == TokenType.AND:
        return any(t.token_type == TokenType.BETWEEN for t in tokens[max(0, index - 4) : index])
    return previous in _COMPARISON_TOKENS


def _inside_in_list(tokens: list[Token], index: int) -> bool:
    depth = 0
    for position in range(index - 1, -1, -1):
        kind = tokens[position].token_type
        depth += kind == TokenType.R_PAREN
        if kind == TokenType.L_PAREN:
            if depth == 0:
                return position > 0 and tokens[position - 1].token_type == TokenType.IN
            depth -= 1
    return False


def _is_ordinal(tokens: list[Token], index: int, ordinal_clause: bool) -> bool:
    """``ORDER BY 1`` / ``GROUP BY 2`` keep their numbers: they name columns, not values."""
    if not ordinal_clause or index == 0 or tokens[index - 1].token_type not in (TokenType.COMMA, *_ORDINAL_CLAUSE_STARTERS):
        return False
    following = tokens[index + 1].token_type if index + 1 < len(tokens) else TokenType.SEMICOLON
    return following in _ORDINAL_FOLLOWERS


def _collapse_lists(words: list[tuple[TokenType, str]]) -> list[tuple[TokenType, str]]:
    """``in (?, ?, ?)`` becomes ``in (?)`` and repeated VALUES rows become one, so list lengths do not split shapes.

    Open parentheses are kept on a stack so each ``)`` finds its ``(`` at once: linear even for deep nesting.
    """
    out: list[tuple[TokenType, str]] = []
    opens: list[int] = []
    for word in words:
        out.append(word)
        if word[0] == TokenType.L_PAREN:
            opens.append(len(out) - 1)
        elif word[0] == TokenType.R_PAREN and opens:
            start = opens.pop()
            _collapse_placeholder_tuple(out)
            _collapse_repeated_row(out, start)
    return out


def _collapse_placeholder_tuple(out: list[tuple[TokenType, str]]) -> None:
    end = len(out) - 1
    start = end - 1
    while start >= 0 and out[start][0] in (TokenType.PLACEHOLDER, TokenType.STRING, TokenType.COMMA):
        start -= 1
    if start < 1 or out[start][0] != TokenType.L_PAREN or out[start - 1][0] != TokenType.IN or end - start < 4:
        return
    inner = out[start + 1 : end]
    if any(kind == TokenType.COMMA for kind, _ in inner[::2]) or any(kind != TokenType.COMMA for kind, _ in inner[1::2]):
        return
    first = inner[0]
    del out[start + 1 : end]
    out.insert(start + 1, first if all(w == first for w in inner[::2]) else (TokenType.PLACEHOLDER, NUMBER_PLACEHOLDER))


def _collapse_repeated_row(out: list[tuple[TokenType, str]], start: int) -> None:
    """``values (?, ?), (?, ?)`` -> ``values (?, ?)``: drop the row opened at ``start`` when equal to the one before it."""
    if start < 1 or out[start - 1][0] != TokenType.COMMA or out[start - 2][0] != TokenType.R_PAREN:
        return
    length = len(out) - start
    previous_start = start - 1 - length
    if previous_start < 1 or out[previous_start][0] != TokenType.L_PAREN or out[previous_start - 1][0] not in (TokenType.VALUES, TokenType.COMMA):
        return
    if out[previous_start : start - 1] == out[start:]:
        del out[start - 1 :]


def _join_words(words: list[tuple[TokenType, str]]) -> str:
    parts: list[str] = []
    previous: TokenType | None = None
    for kind, text in words:
        if kind == TokenType.SEMICOLON:
            continue
        glued = kind == TokenType.L_PAREN and previous in _CALLABLE
        if parts and not glued and kind not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            parts.append(" ")
        parts.append(text)
        previous = kind
    return "".join(parts)
