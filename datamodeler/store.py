"""Load and save the model file: atomic writes under a lock, clear errors, human decisions kept across re-scans.

Every write of a model file holds an exclusive ``fcntl.flock`` on a sidecar ``.<name>.lock`` next to it, so a
scan and a ``review`` (or two scans) take turns: a scan re-reads the human decisions from the file on disk at
write time, and ``review`` reads, changes and writes under the same lock.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from .errors import ConfigError, ModelFileError
from .model import FORMAT_VERSION, HUMAN_STATUSES, DataModel, Evidence
from .upgrade import upgrade

DEFAULT_MODEL_PATH = Path("datamodel.json")
LOCK_TIMEOUT_S = 30.0  # a writer holds the lock for one read-merge-write: seconds mean another process is stuck
LOCK_TIMEOUT_ENV = "DATAMODELER_LOCK_TIMEOUT"
ABANDONED_AFTER_S = 5.0  # an unlocked, empty temp file younger than this may be a writer that is just starting
T = TypeVar("T")


STREAMED_LISTS = ("tables", "relationships", "entities", "lineage", "joins", "usage")


def dump_model(model: DataModel) -> str:
    """The model as stable, diffable JSON text."""
    return "".join(model_json_chunks(model))


def model_json_chunks(model: DataModel) -> Iterator[str]:
    """The text of ``dump_model`` in pieces, one record of the long lists at a time: a warehouse of 100,000
    tables makes a file of about a gigabyte, and dumping it whole held seven times that in memory."""
    model.sort()
    rest = model.model_dump(mode="json", exclude_none=True, exclude=set(STREAMED_LISTS))
    names = [n for n in type(model).model_fields if n in rest or n in STREAMED_LISTS]
    yield "{"
    for position, name in enumerate(names):
        yield ("," if position else "") + f"\n  {json.dumps(name)}: "
        if name in STREAMED_LISTS:
            yield from _list_chunks(getattr(model, name))
        else:
            yield _indented(rest[name], 1)
    yield "\n}\n"


def _list_chunks(records: list) -> Iterator[str]:
    """A list of records at depth 1 of the file, formatted as ``json.dumps(..., indent=2)`` would."""
    if not records:
        yield "[]"
        return
    for position, record in enumerate(records):
        yield ("," if position else "[") + "\n    " + _indented(record.model_dump(mode="json", exclude_none=True), 2)
    yield "\n  ]"


def _indented(value: object, depth: int) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * depth)


# -- the lock ---------------------------------------------------------------------------------------

def lock_path(path: Path) -> Path:
    """The sidecar lock file of a model file: ``.<name>.lock`` in the same folder."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextmanager
def model_lock(path: Path, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock of the model file at ``path``; wait up to ``timeout_s`` (default: lock timeout).

    The sidecar is removed on release, so no lock file stays next to the model; a waiter that locked a
    removed sidecar notices (another inode at the path) and locks the new one."""
    check_writable(path, probe=False)
    sidecar = lock_path(path)
    deadline = time.monotonic() + (lock_timeout() if timeout_s is None else timeout_s)
    fd = _lock_sidecar(sidecar, deadline)
    try:
        yield
    finally:
        sidecar.unlink(missing_ok=True)  # while still locked: no one else can hold this inode's lock now
        os.close(fd)


def _lock_sidecar(sidecar: Path, deadline: float) -> int:
    while True:
        try:
            fd = os.open(sidecar, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise ModelFileError(f"cannot create the lock file {sidecar}: {exc.strerror}", "check the folder's permissions or choose another path") from exc
        try:
            _acquire(fd, sidecar, deadline)
        except BaseException:
            os.close(fd)
            raise
        if _is_current(fd, sidecar):
            return fd
        os.close(fd)  # the holder before us removed this sidecar on release: lock the one at the path now


def _is_current(fd: int, sidecar: Path) -> bool:
    try:
        return os.stat(sidecar).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _acquire(fd: int, sidecar: Path, deadline: float) -> None:
    waited_from = time.monotonic()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise ModelFileError(
                    f"another datamodeler process holds {sidecar} (waited {time.monotonic() - waited_from:.0f}s)",
                    f"wait for it to finish and retry, or set {LOCK_TIMEOUT_ENV} to wait longer",
                ) from None
            time.sleep(0.02)


def lock_timeout() -> float:
    """Seconds to wait for the model file's lock: ``$DATAMODELER_LOCK_TIMEOUT`` or 30."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if not raw:
        return LOCK_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ConfigError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds", "use e.g. 30")
    return value


# -- atomic writes ----------------------------------------------------------------------------------

def write_atomic(path: Path, content: str | bytes | Iterable[str]) -> None:
    """Write ``content`` to ``path`` so that a crash at any moment leaves either the old or the new file.

    The file gets the usual permissions (an existing file's mode, else 0666 less the umask); temp files
    left by a writer killed mid-write are removed first.
    """
    path = Path(path)
    directory = check_writable(path, probe=False)
    mode = _mode_for(path)
    remove_abandoned_temps(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        _fill(fd, content, mode)
        os.replace(tmp_name, path)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise
    finally:
        os.close(fd)  # only now: the temp file stays locked (alive) until it is renamed
    _fsync_directory(directory)


def _fill(fd: int, content: str | bytes | Iterable[str], mode: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_EX)  # marks the temp file as being written: cleaners leave it alone
    os.fchmod(fd, mode)
    chunks = [content] if isinstance(content, (str, bytes)) else content
    with os.fdopen(fd, "wb", closefd=False) as handle:
        for chunk in chunks:
            handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        handle.flush()
        os.fsync(handle.fileno())


def _write_error(path: Path, exc: OSError) -> ModelFileError:
    return ModelFileError(f"cannot write {path}: {exc.strerror or exc}", "check the folder's permissions and free space, or choose another --out")


def check_writable(path: Path, probe: bool = True) -> Path:
    """Refuse, before any work, an output that cannot be written: a missing or read-only folder, a FIFO,
    a folder or a device at ``path``. Returns the folder. ``probe`` creates and removes a temp file."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ModelFileError(f"folder {directory} does not exist", "create it or choose another --out")
    _check_regular(path)
    if probe:
        try:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise ModelFileError(f"cannot write to folder {directory}: {exc.strerror or exc}", "check its permissions or choose another --out") from exc
        os.close(fd)
        os.unlink(name)
    return directory


def _check_regular(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ModelFileError(f"cannot use {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(mode):
        raise ModelFileError(f"{path} is {_kind(mode)}, not a regular file", "choose a file path")


def _kind(mode: int) -> str:
    kinds = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISSOCK: "a socket",
             stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device"}
    return next((name for test, name in kinds.items() if test(mode)), "not a plain file")


def _mode_for(path: Path) -> int:
    """An existing file keeps its permissions; a new one gets 0666 less the umask, like any program's output."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process umask, read without changing it where Linux shows it (``/proc/self/status``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_abandoned_temps(path: Path) -> list[Path]:
    """Remove the ``.<name>.*.tmp`` files of ``path`` left by writers killed mid-write; returns them.

    A live writer holds an flock on its temp file, so a temp file whose lock can be taken is abandoned
    (unless it is empty and brand new: a writer between creating and locking it)."""
    path = Path(path)
    removed = []
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if _remove_if_abandoned(candidate):
            removed.append(candidate)
    return removed


def _remove_if_abandoned(candidate: Path) -> bool:
    try:
        fd = os.open(candidate, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (info.st_size == 0 and time.time() - info.st_mtime < ABANDONED_AFTER_S):
            return False
        candidate.unlink(missing_ok=True)
        return True
    except OSError:
        return False  # locked: a writer is alive
    finally:
        os.close(fd)


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


# -- model files ------------------------------------------------------------------------------------

def save_model(model: DataModel, path: Path = DEFAULT_MODEL_PATH) -> None:
    """Write the model file atomically, under its lock, exactly as given (see ``save_scanned`` for scans)."""
    with model_lock(path):
        write_atomic(Path(path), model_json_chunks(model))


def save_scanned(model: DataModel, path: Path = DEFAULT_MODEL_PATH) -> DataModel:
    """Write a freshly scanned model, keeping the human decisions of the file on disk *now* (a ``review`` made
    while the scan ran included); returns the model written."""
    path = Path(path)
    with model_lock(path):
        on_disk = _decisions_on_disk(path)
        merged = merge_decisions(on_disk, model) if on_disk else model
        write_atomic(path, model_json_chunks(merged))
    return merged


def update_model(path: Path, change: Callable[[DataModel], T]) -> T:
    """Read, change and write the model file under its lock (nothing another writer does is lost);
    returns what ``change`` returns. An exception in ``change`` leaves the file untouched."""
    path = Path(path)
    if not path.exists():
        load_model(path)  # its "no model file … run `datamodeler scan` first" error, before any lock or folder check
    with model_lock(path):
        model = load_model(path)
        result = change(model)
        write_atomic(path, model_json_chunks(model))
    return result


def _decisions_on_disk(path: Path) -> DataModel | None:
    if not path.exists():
        return None
    try:
        return load_model(path)
    except ModelFileError as exc:
        raise ModelFileError(f"will not overwrite {path}: {exc.message}", "move it away or choose another --out so nothing is lost") from exc


def load_model(path: Path = DEFAULT_MODEL_PATH) -> DataModel:
    """Read a model file, with a precise error for a missing, corrupt or other-version file."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"no model file at {path}", "run `datamodeler scan` first or pass --model PATH")
    _check_regular(path)  # a FIFO would block the read forever
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
        human = [e.model_copy() for e in old.evidence if e.kind == "human"] or [Evidence(kind="human", detail=old.status)]
        new.evidence = [e for e in new.evidence if e.kind != "human"] + human  # who decided, e.g. "rejected by ana"
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
