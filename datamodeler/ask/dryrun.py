"""The dry run: gated SQL compiled by the warehouse itself, as ``SELECT * FROM (<sql>) LIMIT 0``, read-only.

The gate checks names and shape; only the warehouse knows its functions and types (``SUM`` of a text column, a
function that does not exist in this dialect). The wrapped query reads no rows, runs through the source's own
``execute`` (read-only, with the statement timeout) and either passes or returns the warehouse's error line.
With no warehouse reachable (no URL, a password missing, a host down) the answer is "not dry-run", with why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from ..errors import DatamodelerError, QueryError
from ..sources import Source, open_source

PASSED = "passed"
NOT_DRY_RUN = "not dry-run"


@dataclass
class DryRunner:
    """One warehouse connection for every attempt at one question, opened on first use; ``close()`` when done."""

    url: str | None
    timeout_s: float
    dialect: str | None = None
    unavailable: str | None = None  # why no dry run was possible
    _source: Source | None = field(default=None, repr=False)

    def check(self, sql: str) -> str | None:
        """None when the warehouse compiles ``sql``; else its one-line error. Sets ``unavailable`` instead when
        no warehouse could be reached (then nothing is known about ``sql``)."""
        source = self._open()
        if source is None:
            return None
        try:
            source.execute(limit_zero(sql, self.dialect), timeout_s=self.timeout_s, max_rows=1)
        except QueryError as exc:
            return exc.message
        except DatamodelerError as exc:
            self.unavailable = exc.message
        except Exception as exc:  # noqa: BLE001 - a driver failing to connect says nothing about the SQL
            self.unavailable = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return None

    @property
    def status(self) -> str:
        """``passed`` or ``not dry-run: <why>`` (meaningful after ``check`` returned None)."""
        return f"{NOT_DRY_RUN}: {self.unavailable}" if self.unavailable else PASSED

    def _open(self) -> Source | None:
        if self._source is None and self.unavailable is None:
            if not self.url:
                self.unavailable = "the model has no warehouse URL"
                return None
            try:
                self._source = open_source(self.url)
            except DatamodelerError as exc:
                self.unavailable = exc.message
        return self._source

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None


def limit_zero(sql: str, dialect: str | None) -> str:
    """``sql`` wrapped so the warehouse plans it fully but returns no row: ``SELECT * FROM (sql) AS dry_run LIMIT 0``."""
    inner = sqlglot.parse_one(sql, read=dialect)
    wrapped = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("dry_run")))
    return exp.select("*").from_(wrapped).limit(0).sql(dialect=dialect)
