"""Hand-checked lineage cases: each tests/fixtures/lineage/*.sql holds one statement and its expected lineage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from datamodeler.lineage.catalog import CatalogIndex
from datamodeler.lineage.extract import StatementAnalyzer
from datamodeler.lineage.fingerprint import normalize_sql
from datamodeler.model import Column, Table

CASES = Path(__file__).parent / "fixtures" / "lineage"
DEFAULTS = json.loads((CASES / "_schema.json").read_text())
_EDGE = re.compile(r"^(\S+) -> (\S+)(?: (direct|derived))?$")
_JOIN = re.compile(r"^(\S+)\((.+)\) = (\S+)\((.+)\)$")


def parse_case(path: Path) -> dict:
    """The header sections of a case file and its SQL (the lines that are not header comments)."""
    sections: dict[str, list[str]] = {}
    current = None
    sql_lines = []
    for line in path.read_text().splitlines():
        header = re.match(r"^--\s*(dialect|schema|edges|tables|joins|reads|unknown|failure):\s*(.*)$", line)
        if header:
            current = header.group(1)
            sections[current] = [header.group(2).strip()] if header.group(2).strip() else []
        elif line.startswith("--   ") and current:
            sections[current].append(line[5:].strip())
        elif line.startswith("--"):
            current = None
        else:
            sql_lines.append(line)
    return {"sections": sections, "sql": "\n".join(sql_lines).strip()}


def _analyze(case: dict):
    sections = case["sections"]
    dialect = sections.get("dialect", [DEFAULTS["dialect"]])[0]
    schema = json.loads(sections["schema"][0]) if "schema" in sections else DEFAULTS["tables"]
    tables = [Table(name=name, columns=[Column(name=c, type="text") for c in columns]) for name, columns in schema.items()]
    analyzer = StatementAnalyzer(CatalogIndex.from_tables(tables), dialect)
    return analyzer.analyze(normalize_sql(case["sql"], dialect))


def _expected_join(text: str) -> tuple:
    left, left_cols, right, right_cols = _JOIN.match(text).groups()
    return (left, tuple(c.strip() for c in left_cols.split(",")), right, tuple(c.strip() for c in right_cols.split(",")))


CASE_FILES = sorted(CASES.glob("*.sql"))


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASE_FILES) >= 40


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_lineage_case(path: Path) -> None:
    case = parse_case(path)
    sections = case["sections"]
    result = _analyze(case)
    if "failure" in sections:
        assert result.failure is not None and result.failure[0] == sections["failure"][0]
        return
    assert result.failure is None, result.failure
    if "edges" in sections:
        expected = {_EDGE.match(line).groups() for line in sections["edges"]}
        assert {e for e in result.edges if e[2] != "table"} == expected
    if "tables" in sections:
        expected_tables = {(*_EDGE.match(line).groups()[:2], "table") for line in sections["tables"]}
        assert {e for e in result.edges if e[2] == "table"} == expected_tables
    if "joins" in sections:
        assert set(result.joins) == {_expected_join(line) for line in sections["joins"]}
    if "reads" in sections:
        assert result.reads == sorted(n.strip() for n in sections["reads"][0].split(","))
    assert result.unknown_tables == sorted(n.strip() for n in sections.get("unknown", [""])[0].split(",") if n.strip())
