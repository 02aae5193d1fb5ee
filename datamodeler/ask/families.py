"""Table families for ``ask``: the logic lives in ``discovery.families`` (shared with partition discovery)."""

from __future__ import annotations

from ..discovery.families import COPY_SUFFIX, family_key, table_families

__all__ = ["COPY_SUFFIX", "family_key", "table_families"]
