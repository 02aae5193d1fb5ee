"""The bundled demo warehouse: a streaming service in DuckDB.

`ensure_demo()` generates the warehouse and its query history once into a
cache folder and returns where the files are. The generator ships as plain
files in `examples/streaming/` (inside the package when installed from a
wheel, at the repository root in a source checkout) and is loaded by path.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

DEMO_VERSION = 1
DATABASE_FILE_NAME = "streaming.duckdb"
TRUTH_FILE_NAME = "relationships.json"
GENERATOR_FILE_NAME = "generate.py"


@dataclass(frozen=True)
class DemoPaths:
    """Files of a generated demo warehouse."""

    database: Path
    query_logs: list[Path]
    truth: Path


def demo_dir() -> Path:
    """Cache folder for the demo: $DATAMODELER_HOME/demo or the XDG cache."""
    home = os.environ.get("DATAMODELER_HOME")
    if home:
        return Path(home).expanduser() / "demo"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "datamodeler" / "demo"


def examples_dir() -> Path:
    """The examples/streaming folder, from an installed wheel or a checkout."""
    package_dir = Path(__file__).resolve().parent
    candidates = (
        package_dir / "examples" / "streaming",
        package_dir.parent / "examples" / "streaming",
    )
    for candidate in candidates:
        if (candidate / GENERATOR_FILE_NAME).is_file():
            return candidate
    searched = ", ".join(str(candidate) for candidate in candidates)
    raise FileNotFoundError(f"demo generator not found (looked in {searched})")


def load_generator() -> ModuleType:
    """Import examples/streaming/generate.py by path."""
    path = examples_dir() / GENERATOR_FILE_NAME
    spec = importlib.util.spec_from_file_location("datamodeler_demo_generate", path)
    if spec is None or spec.loader is None:  # only for a path Python cannot import (not a .py file)
        raise ImportError(f"cannot import the demo generator {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def version_dir() -> Path:
    """Folder holding the generated files for the current DEMO_VERSION."""
    return demo_dir() / f"v{DEMO_VERSION}"


def paths_in(folder: Path, log_names: tuple[str, ...]) -> DemoPaths:
    """The DemoPaths of a generated folder."""
    return DemoPaths(
        database=folder / DATABASE_FILE_NAME,
        query_logs=[folder / name for name in log_names],
        truth=examples_dir() / TRUTH_FILE_NAME,
    )


def is_complete(paths: DemoPaths) -> bool:
    """Whether the database and every log file exist."""
    return all(path.is_file() for path in [paths.database, *paths.query_logs])


def publish(staging: Path, target: Path, replace_existing: bool) -> None:
    """Move a finished staging folder into place with atomic renames."""
    if replace_existing and target.exists():
        retired = target.with_name(f".retired-{uuid.uuid4().hex}")
        os.rename(target, retired)
        shutil.rmtree(retired, ignore_errors=True)
    os.rename(staging, target)


def generate_into(target: Path, generator: ModuleType, replace_existing: bool) -> None:
    """Generate into a temporary folder next to target, then publish it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    try:
        generator.generate(staging / DATABASE_FILE_NAME, staging)
        publish(staging, target, replace_existing)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_stale_versions(current: Path) -> None:
    """Delete demo folders left by other DEMO_VERSIONs."""
    for folder in current.parent.glob("v*"):
        if folder.is_dir() and folder != current:
            shutil.rmtree(folder, ignore_errors=True)


def ensure_demo(force: bool = False) -> DemoPaths:
    """Generate the demo warehouse unless the current version is cached."""
    generator = load_generator()
    target = version_dir()
    paths = paths_in(target, generator.log_file_names())
    if force or not is_complete(paths):
        try:
            generate_into(target, generator, replace_existing=force or target.exists())
        except OSError:
            # Another process may have published the same version meanwhile.
            if not is_complete(paths):
                raise
    remove_stale_versions(target)
    return paths


def demo_url(paths: DemoPaths) -> str:
    """SQLAlchemy-style URL of the demo database."""
    return f"duckdb:///{paths.database.resolve().as_posix()}"
