"""Ask benchmark: execution accuracy of the no-LLM builder on Spider dev, split by its label (confident or draft).

    python benchmarks/ask_ex.py [--datasets ../shared/datasets] [--databases concert_singer,pets_1] [--verbose]

Each Spider dev database (``spider/database/<db>.sqlite``, with data) is copied and scanned by datamodeler without
an LLM (catalog, declared keys, profile: the value index comes from it). Every dev question is asked without an LLM;
the builder's SQL runs against the copy and its result set is compared with the gold SQL's (rows as multisets,
column order ignored, numbers rounded to 6 places). Reported: coverage (share labelled ``confident``), accuracy of the
confident answers (the figure that must stay high) and overall accuracy (every question; a draft counts as wrong).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datamodeler.ask import AskOptions, ask_question  # noqa: E402
from datamodeler.errors import DatamodelerError  # noqa: E402
from datamodeler.model import DataModel  # noqa: E402
from datamodeler.scan import ScanOptions, run_scan  # noqa: E402
from datamodeler.store import load_model  # noqa: E402


def scan_copy(source: Path, workdir: Path) -> tuple[Path, DataModel]:
    """A copy of the database, scanned without an LLM."""
    copy = workdir / source.name
    shutil.copyfile(source, copy)
    out = workdir / f"{source.stem}.datamodel.json"
    run_scan(ScanOptions(url=f"sqlite:///{copy}", use_llm=False, out=out, history=False))
    return copy, load_model(out)


def result_set(connection: sqlite3.Connection, sql: str) -> Counter | None:
    """The rows of ``sql`` as a multiset (None when it fails)."""
    try:
        rows = connection.execute(sql).fetchall()
    except sqlite3.Error:
        return None
    return Counter(tuple(sorted((round(v, 6) if isinstance(v, float) else v for v in row), key=repr)) for row in rows)


def evaluate(datasets: Path, only: set[str], verbose: bool) -> Counter:
    questions = json.loads((datasets / "spider" / "dev.json").read_text())
    tally: Counter = Counter()
    by_db: dict[str, list[dict]] = {}
    for item in questions:
        if not only or item["db_id"] in only:
            by_db.setdefault(item["db_id"], []).append(item)
    with tempfile.TemporaryDirectory() as tmp:
        for db_id, items in sorted(by_db.items()):
            source = datasets / "spider" / "database" / f"{db_id}.sqlite"
            path, model = scan_copy(source, Path(tmp))
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            for item in items:
                tally.update(ask_one(item, model, connection, verbose))
            connection.close()
    return tally


def ask_one(item: dict, model: DataModel, connection: sqlite3.Connection, verbose: bool) -> list[str]:
    """The counters one question adds: ``questions``, ``confident``, ``right``, ``confident_right``."""
    try:
        answer = ask_question(item["question"], model, AskOptions(use_llm=False, limit=100_000))
    except DatamodelerError:
        return ["questions"]
    counters = ["questions"]
    right = answer.runnable and result_set(connection, answer.sql) == result_set(connection, item["query"])
    if answer.label == "confident":
        counters.append("confident")
        if right:
            counters.append("confident_right")
        elif verbose:
            print(f"  WRONG {item['db_id']}: {item['question']!r}\n    ours: {' '.join(answer.sql.split())}\n    gold: {item['query']}", file=sys.stderr)
    if right:
        counters.append("right")
    return counters


def report(tally: Counter) -> str:
    questions, confident = tally["questions"], tally["confident"]
    return "\n".join([
        "| questions | confident (coverage) | confident answers right | right overall (drafts count as wrong) |",
        "| ---: | ---: | ---: | ---: |",
        f"| {questions} | {confident} ({confident / max(questions, 1):.3f}) | **{tally['confident_right'] / max(confident, 1):.3f}** (target 0.90) "
        f"| {tally['right'] / max(questions, 1):.3f} |",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    parser.add_argument("--databases", default="", help="comma-separated Spider dev databases (default: all 20)")
    parser.add_argument("--verbose", action="store_true", help="list the confident answers that are wrong")
    args = parser.parse_args(argv)
    if not (args.datasets / "spider" / "database").is_dir():
        print(f"no Spider databases under {args.datasets}", file=sys.stderr)
        return 1
    only = {name.strip() for name in args.databases.split(",") if name.strip()}
    print(report(evaluate(args.datasets, only, args.verbose)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
