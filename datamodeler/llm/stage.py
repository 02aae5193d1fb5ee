"""The scan's LLM stage: ask for proposals, verify them, apply them; never fails the scan.

Runs only with ``use_llm`` and a configured endpoint. Answers are cached by content hash
(``cache.default_cache_dir``). Any ``LLMError`` becomes a scan warning ("LLM failed: …; deterministic evidence
only") and leaves the model as the deterministic stages built it.
"""

from __future__ import annotations

from collections import Counter

from ..discovery.verifiers.checks import VerifyContext
from ..discovery.verifiers.proposals import verify_proposals
from ..errors import LLMError
from ..model import Proposal
from ..scan_context import ScanContext
from .apply import apply_proposals
from .cache import CachedClient, default_cache_dir
from .client import OpenAIClient
from .prompts import entity_batches
from .propose import TASKS, propose
from .templates import load_template


def llm_stage(ctx: ScanContext) -> None:
    """Proposals from the configured LLM, verified against the catalog, the profile and the data."""
    settings = ctx.options.settings.llm
    if not ctx.options.use_llm or not settings.configured:
        return
    with ctx.progress.stage("llm", total=len(entity_batches(ctx.model))) as bar:
        client = CachedClient(OpenAIClient(settings), default_cache_dir(ctx.options.out))
        try:
            templates = {task: load_template(task) for task in TASKS}
            proposals = propose(ctx.model, client, templates, on_batch=bar.advance, concurrency=settings.concurrency)
        except LLMError as exc:
            ctx.warnings.append(f"LLM failed: {exc.message}; deterministic evidence only")
            ctx.llm_status = f"failed ({settings.model}): {exc.message}; deterministic evidence only"
            return
        verify_proposals(proposals, _verify_context(ctx))
        apply_proposals(ctx.model, proposals)
    ctx.llm_status = describe_outcome(settings.model, proposals, client)


def describe_outcome(model_name: str, proposals: list[Proposal], client: CachedClient) -> str:
    """``gpt-4o-mini: 57 proposals (3 verified, 50 plausible, 4 rejected); 11 requests, 0 cache hits``."""
    counts = Counter(p.status for p in proposals)
    statuses = ", ".join(f"{counts[s]} {s}" for s in ("verified", "plausible", "rejected"))
    hits = f"{client.hits} cache hit" + ("" if client.hits == 1 else "s")
    requests = getattr(client.inner, "requests", client.misses)
    return f"{model_name}: {len(proposals)} proposals ({statuses}); {requests} requests, {hits}"


def _verify_context(ctx: ScanContext) -> VerifyContext:
    """Relationship proposals are checked on the data like other candidates (when the scan profiles)."""
    source, budget = ctx.data_checks()
    return VerifyContext(model=ctx.model, source=source, sample_rows=ctx.options.settings.scan.sample_rows, budget=budget)
