"""What the scan stages share: options, the open source, the model being built, progress and running counts.

Every stage is ``stage(ctx: ScanContext) -> None``; ``scan.STAGES`` orders them. This module sits below the stages
(they import it, it imports none of them), so the pipeline has no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .config import Settings, load_settings
from .lineage.shapes import ShapeCollector
from .model import DataModel
from .profile import Budget
from .sources import CatalogFilter, Source
from .store import DEFAULT_MODEL_PATH


class Progress(Protocol):
    """Where stages report progress; the CLI passes a rich implementation."""

    def stage(self, name: str, total: int | None = None) -> Any:
        """A context manager whose value has ``advance(n=1)``."""
        ...


class _Silent:
    def advance(self, n: int = 1) -> None:
        pass


class SilentProgress:
    """Progress that shows nothing (library use, tests)."""

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[_Silent]:
        yield _Silent()


@dataclass
class ScanOptions:
    url: str | None = None
    query_logs: list[Path] = field(default_factory=list)
    log_columns: dict[str, str] = field(default_factory=dict)  # e.g. {"query": "sql_body"} for .jsonl/.csv logs
    out: Path = DEFAULT_MODEL_PATH
    use_llm: bool = True
    filters: CatalogFilter = field(default_factory=CatalogFilter)
    history: bool = True
    profile: bool = True
    settings: Settings = field(default_factory=load_settings)


@dataclass
class ScanContext:
    """What the stages share: options, the open source, the model being built and running counts."""

    options: ScanOptions
    source: Source
    model: DataModel
    progress: Progress
    shapes: ShapeCollector | None = None  # the log folded into distinct statement shapes
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    llm_status: str = "not used"



    def fresh_budget(self) -> Budget:
        """A fresh budget per stage: profiling and data checks each get ``profile_budget_s``."""
        scan = self.options.settings.scan
        return Budget(total_s=scan.profile_budget_s, statement_s=scan.statement_timeout_s)

    def data_checks(self) -> tuple[Source | None, Budget | None]:
        """The source and a fresh budget for checks on the data, or ``(None, None)`` when the scan does not profile."""
        return (self.source, self.fresh_budget()) if self.options.profile else (None, None)


Stage = tuple[str, Callable[[ScanContext], None]]
