"""``.sql`` logs: statements separated by ``;``, split by a streaming scanner that skips quotes and comments.

Semicolons inside '…', "…", `…`, $tag$…$tag$ (PostgreSQL dollar quoting), -- and /* */ comments do not split.
The file is read in pieces of at most 64 KiB (a log may be one line), and a statement keeps at most
``MAX_SPLIT_CHARS`` characters: past that only its end is looked for, so memory is bounded by the cap, not the file
(the statement is then reported as too large by the shape collector).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from ..sources.base import LoggedQuery

_SPECIAL = re.compile(r"--|/\*|'|\"|`|\$[A-Za-z_][A-Za-z_0-9]*\$|\$\$|;")
_CLOSERS = {"'": re.compile(r"'"), '"': re.compile(r'"'), "`": re.compile(r"`"), "--": re.compile(r"\n")}
_BLOCK_COMMENT = re.compile(r"/\*|\*/")
MAX_SPLIT_CHARS = 4_000_000  # kept of one statement; above any sane max_statement_chars, so it still counts as too_large
READ_CHARS = 1 << 16


# One whole statement up to its ';' in one C-level match: quotes and comments are consumed as units, every
# repetition is possessive. What it cannot close within the text at hand (a nested comment, a dollar quote, a quote
# or comment still open at the end of the piece read) stops it short of a ';', and the streaming splitter takes over.
_STATEMENT = re.compile(
    r"(?:[^'\"`$;/\-]++|'[^']*+'|\"[^\"]*+\"|`[^`]*+`|--[^\n]*+(?=\n)|/\*(?:[^*/]++|\*(?!/)|/(?!\*))*+\*/"
    r"|/(?!\*)|-(?!-)|\$(?![A-Za-z_$]))*+"
)
_ONLY_COMMENTS = re.compile(r"(?:\s++|--[^\n]*+|/\*(?:[^*]++|\*(?!/))*+\*/)*+")
FAST_PIECE_CHARS = 1 << 20  # text held for the fast path before the streaming splitter takes over


def _statement_end(text: str, position: int) -> int:
    """Where the statement starting at ``position`` ends (``_STATEMENT`` matches the empty string, so always a match)."""
    match = _STATEMENT.match(text, position)
    return match.end() if match is not None else position


def read(path: Path, stream: TextIO, **_: object) -> Iterator[LoggedQuery]:
    """Every non-empty statement of a ``.sql`` file."""
    for statement in split_statements(iter(lambda: stream.read(READ_CHARS), "")):
        yield LoggedQuery(text=statement)


def split_statements(pieces: Iterable[str]) -> Iterator[str]:
    """Statements from a stream of text, without their ``;``; comment-only pieces are skipped.

    Whole statements are cut by one regex match each; from the first piece it cannot cut (see ``_STATEMENT``) the
    streaming splitter reads the rest of the stream, so memory stays bounded by ``MAX_SPLIT_CHARS``.
    """
    pending, pieces = "", iter(pieces)
    for piece in pieces:
        pending += piece
        position = 0
        while (end := _statement_end(pending, position)) < len(pending) and pending[end] == ";":
            statement = pending[position:end].strip()
            if statement and _ONLY_COMMENTS.fullmatch(statement) is None:
                yield statement
            position = end + 1
        pending = pending[position:]
        if len(pending) > FAST_PIECE_CHARS or _cannot_close(pending, end - position):
            break
    else:
        pieces = iter(())
    yield from _split_streaming(_lines(_chain(pending, pieces)))


def _cannot_close(pending: str, stop: int) -> bool:
    """The fast path stopped short of the text's end at something more text cannot close (a nested comment, $$)."""
    if stop >= len(pending):
        return False
    opener = pending[stop : stop + 2]
    if opener[0] == "$":
        return True
    if opener == "/*":
        return "*/" in pending[stop:]  # closed, yet not matched: nested
    closer = {"'": "'", '"': '"', "`": "`"}.get(opener[0], "\n")
    return closer in pending[stop + len(opener) if opener == "--" else stop + 1 :]


def _lines(pieces: Iterable[str]) -> Iterator[str]:
    """Pieces re-cut at line ends (at most ``READ_CHARS`` each): the streaming splitter reads ``--``, ``/*`` whole."""
    carry = ""
    for piece in pieces:
        carry += piece
        cut = carry.rfind("\n") + 1
        if cut:
            yield from carry[:cut].splitlines(keepends=True)
            carry = carry[cut:]
        while len(carry) >= READ_CHARS:
            yield carry[:READ_CHARS]
            carry = carry[READ_CHARS:]
    if carry:
        yield carry


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _split_streaming(lines: Iterable[str]) -> Iterator[str]:
    splitter = _Splitter()
    for line in lines:
        yield from splitter.feed(line)
    yield from splitter.finish()


class _Splitter:
    """Carries the scanning state across lines: the open quote or comment, the statement so far."""

    def __init__(self, max_chars: int = MAX_SPLIT_CHARS) -> None:
        self.max_chars = max_chars
        self.size = 0  # characters in ``buffer``
        self.buffer: list[str] = []
        self.closer: re.Pattern[str] | None = None  # what ends the open quote/comment
        self.comment_depth = 0
        self.has_code = False

    def feed(self, text: str) -> Iterator[str]:
        position = 0
        while position < len(text):
            if self.comment_depth:
                position = self._skip_block_comment(text, position)
                continue
            if self.closer is not None:
                found = self.closer.search(text, position)
                if found is None:
                    self._keep(text[position:])
                    return
                self._keep(text[position : found.end()])
                position, self.closer = found.end(), None
                continue
            found = _SPECIAL.search(text, position)
            if found is None:
                self._code(text[position:])
                return
            self._code(text[position : found.start()])
            token = found.group()
            position = found.end()
            if token == ";":
                yield from self._emit()
            elif token == "/*":
                self.comment_depth = 1
                self._keep(token)
            else:
                self._keep(token)
                self.has_code = self.has_code or token != "--"
                self.closer = _CLOSERS.get(token) or re.compile(re.escape(token))

    def finish(self) -> Iterator[str]:
        yield from self._emit()

    def _skip_block_comment(self, text: str, position: int) -> int:
        found = _BLOCK_COMMENT.search(text, position)
        if found is None:
            self._keep(text[position:])
            return len(text)
        self.comment_depth += 1 if found.group() == "/*" else -1
        self._keep(text[position : found.end()])
        return found.end()

    def _keep(self, piece: str) -> None:
        """Add to the statement, up to the cap (one character past it, so the statement reads as too large)."""
        room = self.max_chars + 1 - self.size
        if room > 0:
            self.buffer.append(piece[:room])
            self.size += min(len(piece), room)

    def _code(self, piece: str) -> None:
        if piece:
            self._keep(piece)
            self.has_code = self.has_code or not piece.isspace()

    def _emit(self) -> Iterator[str]:
        statement = "".join(self.buffer).strip()
        has_code = self.has_code
        self.buffer, self.has_code, self.size = [], False, 0
        if statement and has_code:
            yield statement
