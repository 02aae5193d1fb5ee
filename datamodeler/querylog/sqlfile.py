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


def read(path: Path, stream: TextIO, **_: object) -> Iterator[LoggedQuery]:
    """Every non-empty statement of a ``.sql`` file."""
    for statement in split_statements(iter(lambda: stream.readline(READ_CHARS), "")):
        yield LoggedQuery(text=statement)


def split_statements(lines: Iterable[str]) -> Iterator[str]:
    """Statements from a stream of text, without their ``;``; comment-only pieces are skipped."""
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
