"""The export facade behind ``datamodeler erd`` and ``datamodeler docs``: plan, draw, then write.

``export_erd`` and ``export_docs`` return an ``Export`` (file name -> content); ``write_erd`` and
``write_docs`` write them; ``write_export`` is the one place that writes files. All take a ``DataModel``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExportError
from ..model import DataModel
from ..store import write_atomic
from .erd import ErdOptions, PlannedDiagram, plan_diagrams
from .formats import exporter
from .formats.markdown import text as markdown_text


@dataclass
class Export:
    """What an export produced: one file (stdout-able) or a folder of files with an index."""

    files: dict[str, str | bytes] = field(default_factory=dict)
    folder: bool = False  # True: the files make a folder and need --out DIR
    parts: int = 1

    @property
    def single(self) -> str | bytes:
        return next(iter(self.files.values()))


def export_erd(model: DataModel, fmt: str = "mermaid", options: ErdOptions | None = None) -> Export:
    """Draw the requested diagram(s) in ``fmt``; a large selection becomes parts plus ``index.md``.

    Example: ``export_erd(model, "mermaid", ErdOptions(table="orders", depth=2)).single`` -> Mermaid text
    """
    options = options or ErdOptions()
    chosen = exporter(fmt, "diagram")
    planned = plan_diagrams(model, options, chosen.fits)
    _check_fits(planned, chosen.fits, fmt)
    files = {f"{p.stem}{chosen.suffix}": chosen.export(p.diagram) for p in planned}
    if len(planned) == 1:
        return Export(files)
    files["index.md"] = _index(planned, chosen.suffix)
    return Export(files, folder=True, parts=len(planned))


def export_docs(model: DataModel, fmt: str = "markdown") -> Export:
    """The whole model as documentation in ``fmt`` (markdown, html or dbt): always a folder."""
    files = exporter(fmt, "docs").export(model)
    return Export(dict(files), folder=True, parts=len(files))


def write_erd(model: DataModel, out: Path | str, fmt: str = "mermaid", options: ErdOptions | None = None) -> list[Path]:
    """Draw and write: one file at ``out`` (or inside it, when a folder), or a folder of parts with ``index.md``."""
    return write_export(export_erd(model, fmt, options), Path(out), f"erd{exporter(fmt, 'diagram').suffix}")


DEFAULT_DOCS_FOLDER = Path("datamodel-docs")


def write_docs(model: DataModel, out: Path | str = DEFAULT_DOCS_FOLDER, fmt: str = "markdown") -> list[Path]:
    """Write the documentation folder (markdown, html or dbt) under ``out``; returns the files written."""
    return write_export(export_docs(model, fmt), Path(out), "index")


def write_export(result: Export, out: Path | None, default_name: str) -> list[Path]:
    """Write ``result`` under ``out``: a folder export needs a folder, a single file goes to ``out``
    (or ``out/<default_name>`` when ``out`` is a folder). Returns the paths written."""
    if out is None:
        raise ExportError(f"this export makes {len(result.files)} files", "pass --out DIR to choose the folder they go to")
    if result.folder or out.is_dir():
        root = out
        if root.exists() and not root.is_dir():
            raise ExportError(f"{root} is a file, but this export makes a folder of {len(result.files)} files", "pass --out DIR with a folder path")
        targets = {root / (name if result.folder else default_name): content for name, content in result.files.items()}
    else:
        targets = {out: result.single}
    for path, content in targets.items():
        _make_folder(path.parent)
        write_atomic(path, content)  # atomic, umask-respecting, refuses a FIFO or device at the path
    return list(targets)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create folder {folder}: {exc.strerror or exc}", "check the permissions or choose another --out") from exc


def _check_fits(planned: list[PlannedDiagram], fits, fmt: str) -> None:
    for p in planned:
        if fits is not None and not fits(p.diagram):
            raise ExportError(f"'{p.diagram.title}' is too large for {fmt} even with one table", "use --format dot or svg for this table")


def _index(planned: list[PlannedDiagram], suffix: str) -> str:
    lines = ["# ER diagrams", "", f"The model is split into {len(planned)} diagrams (by entity, else by community of related tables).", ""]
    lines += ["| diagram | tables | relationships | neighbours from other diagrams | shared tables not drawn |", "| --- | --- | --- | --- | --- |"]
    for p in planned:
        d = p.diagram
        drawn = len(d.tables) - len(d.stubs)
        collapsed = ", ".join(c.table for c in d.collapsed)
        name = markdown_text(d.title.rpartition(": ")[2])
        lines.append(f"| [{name}]({p.stem}{suffix}) | {drawn} | {len(d.relationships)} | {len(d.stubs)} | {collapsed} |")
    return "\n".join(lines) + "\n"


@dataclass
class Outcome:
    """What a command shows: text/bytes for stdout, or the files it wrote."""

    stdout: str | bytes | None = None
    written: list[Path] = field(default_factory=list)
    parts: int = 1


def run_erd(model: DataModel, fmt: str, options: ErdOptions, out: Path | None) -> Outcome:
    """``datamodeler erd``: draw, then print the single diagram or write the files."""
    result = export_erd(model, fmt, options)
    if out is None and not result.folder:
        return Outcome(stdout=result.single)
    if out is None:
        raise ExportError(f"the selection has too many tables for one readable diagram: it is split into {result.parts} diagrams",
                          "pass --out DIR to write them with an index, or narrow it with --entity/--table/--schema")
    return Outcome(written=write_export(result, out, f"erd{exporter(fmt, 'diagram').suffix}"), parts=result.parts)


def run_docs(model: DataModel, fmt: str, out: Path | None) -> Outcome:
    """``datamodeler docs``: write the docs folder (dbt without --out: schema.yml on stdout)."""
    result = export_docs(model, fmt)
    if out is None and len(result.files) == 1:
        return Outcome(stdout=result.single)
    return Outcome(written=write_export(result, out or DEFAULT_DOCS_FOLDER, "index"), parts=result.parts)
