"""Load and save the model file: atomic writes, clear errors, human decisions kept across re-scans."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from .errors import ModelFileError
from .model import FORMAT_VERSION, HUMAN_STATUSES, DataModel, Evidence
from .upgrade import upgrade

DEFAULT_MODEL_PATH = Path("datamodel.json")


def dump_model(model: DataModel) -> str:
    """The model as stable, diffable JSON text."""
    data = model.sort().model_dump(mode="json", exclude_none=True)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash at any moment leaves either the old or the new file."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ModelFileError(f"folder {directory} does not exist", "create it or choose another --out")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_model(model: DataModel, path: Path = DEFAULT_MODEL_PATH) -> None:
    """Write the model file atomically."""
    write_atomic(Path(path), dump_model(model))


def load_model(path: Path = DEFAULT_MODEL_PATH) -> DataModel:
    """Read a model file, with a precise error for a missing, corrupt or other-version file."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"no model file at {path}", "run `datamodeler scan` first or pass --model PATH")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            "re-run `datamodeler scan` to rebuild it",
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"cannot read {path}: {exc}") from exc
    return parse_model(data, str(path))


def parse_model(data: object, origin: str = "model") -> DataModel:
    """Validate a decoded model file (an older ``format_version`` is upgraded first, see ``upgrade.py``)."""
    if not isinstance(data, dict):
        raise ModelFileError(f"{origin} is not a datamodeler model file (expected a JSON object)")
    data = upgrade(data, FORMAT_VERSION)
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{origin} has format_version {version!r}; this datamodeler reads version {FORMAT_VERSION}",
            "re-scan with this version or use the matching datamodeler release",
        )
    try:
        return DataModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ModelFileError(f"{origin} is malformed at {where}: {first['msg']}", "re-run `datamodeler scan`") from exc


def merge_decisions(previous: DataModel, scanned: DataModel) -> DataModel:
    """Carry human accept/reject decisions (and human-written descriptions) from ``previous`` into ``scanned``."""
    by_id = {r.id: r for r in scanned.relationships}
    for old in previous.relationships:
        if old.status not in HUMAN_STATUSES:
            continue
        new = by_id.get(old.id)
        if new is None:
            kept = old.model_copy(deep=True)
            scanned.relationships.append(kept)
            continue
        new.status = old.status
        if "human" not in new.sources:
            new.sources.append("human")
        if not any(e.kind == "human" for e in new.evidence):
            new.evidence.append(Evidence(kind="human", detail=old.status))
    _merge_human_descriptions(previous, scanned)
    return scanned


def _merge_human_descriptions(previous: DataModel, scanned: DataModel) -> None:
    for old_table in previous.tables:
        new_table = scanned.table(old_table.name)
        if new_table is None:
            continue
        if old_table.description_source == "human":
            new_table.description = old_table.description
            new_table.description_source = "human"
        for old_column in old_table.columns:
            new_column = new_table.column(old_column.name)
            if new_column is not None and old_column.description_source == "human":
                new_column.description = old_column.description
                new_column.description_source = "human"
