"""Human review: accept or reject relationships by id. A human decision beats every inferred status
and survives re-scans (``store.merge_decisions``); it is written under the model file's lock, so a scan
running at the same time keeps it (``store.save_scanned``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import ConfigError, NotFoundError
from .model import DataModel, Evidence, Relationship
from .store import check_writable, load_model, update_model

Decide = Callable[[DataModel], list[Relationship]]  # decisions made on a model read earlier (an interactive prompt)


def record_decisions(path: Path | str, accept: Iterable[str] = (), reject: Iterable[str] = (), by: str | None = None,
                     decide_all: Decide | None = None) -> list[Relationship]:
    """Accept / reject relationships by id in the model file at ``path`` and save it, under the file's lock.

    ``decide_all`` replaces the ids (the CLI's interactive prompt): it decides on the file as read now, and its
    decisions are written into the file as it is when it returns. Nothing is saved when a decision fails.
    Example: ``record_decisions("datamodel.json", accept=["r_1a2b3c4d5e"], by="ana")``
    """
    if decide_all is None:
        return save_decisions(Path(path), accept, reject, by)
    check_writable(Path(path))  # before a person spends time answering
    return save_reviewed(Path(path), decide_all(load_model(Path(path))), by)


def save_decisions(path: Path, accept: Iterable[str] = (), reject: Iterable[str] = (), by: str | None = None) -> list[Relationship]:
    """Accept/reject by id in the model file at ``path``: read, decide and write under its lock."""
    accept, reject = list(accept), list(reject)
    return update_model(path, lambda model: apply_decisions(model, accept, reject, by))


def save_reviewed(path: Path, decided: list[Relationship], by: str | None = None) -> list[Relationship]:
    """Write decisions made on an earlier read of ``path`` (the interactive prompt) into the file as it is now."""
    return update_model(path, lambda model: [_carry(model, rel, by) for rel in decided])


def _carry(model: DataModel, decided: Relationship, by: str | None) -> Relationship:
    current = model.relationship(decided.id)
    if current is None:  # a scan since the prompt began no longer finds it: keep the human's record of it
        current = decided.model_copy(deep=True)
        model.relationships.append(current)
    return decide(current, decided.status, by)


def apply_decisions(model: DataModel, accept: Iterable[str] = (), reject: Iterable[str] = (), by: str | None = None) -> list[Relationship]:
    """Mark relationships ``accepted`` / ``rejected``; returns the changed ones. Unknown ids raise ``NotFoundError``."""
    accept, reject = list(accept), list(reject)
    both = set(accept) & set(reject)
    if both:
        raise ConfigError(f"relationship {sorted(both)[0]} is both accepted and rejected", "pass each id once")
    changed = [decide(_find(model, rel_id), "accepted", by) for rel_id in accept]
    changed += [decide(_find(model, rel_id), "rejected", by) for rel_id in reject]
    return changed


def decide(rel: Relationship, status: str, by: str | None = None) -> Relationship:
    """Record one human decision on ``rel`` (idempotent)."""
    rel.status = status  # type: ignore[assignment]
    if "human" not in rel.sources:
        rel.sources.append("human")
    rel.evidence = [e for e in rel.evidence if e.kind != "human"]
    rel.evidence.append(Evidence(kind="human", detail=f"{status} by {by}" if by else status))
    return rel


def pending(model: DataModel) -> list[Relationship]:
    """Relationships waiting for a human: plausible ones, strongest first."""
    waiting = [r for r in model.relationships if r.status == "plausible"]
    return sorted(waiting, key=lambda r: (-r.confidence, r.label))


def _find(model: DataModel, rel_id: str) -> Relationship:
    rel = model.relationship(rel_id)
    if rel is None:
        raise NotFoundError("relationship id", rel_id, (r.id for r in model.relationships), "ids are listed by `datamodeler review --list`")
    return rel
