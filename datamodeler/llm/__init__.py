"""LLM access for datamodeler: one small port, an OpenAI-compatible adapter and an answer cache.

    from datamodeler.llm import OpenAIClient, CachedClient, default_cache_dir
    client = CachedClient(OpenAIClient(settings.llm), default_cache_dir(model_path))
    answer = client.complete_json(messages, "describe_entities")   # a dict, validated; LLMError on failure

``schemas.RESPONSE_MODELS`` names the answer shapes; ``templates.load_template`` reads ``prompts/*.md``;
``prompts`` and ``redact`` build the messages (no PII values) for the scan's tasks.
"""

from __future__ import annotations

from .cache import CachedClient, default_cache_dir
from .client import LLMClient, Message, OpenAIClient

__all__ = ["CachedClient", "LLMClient", "Message", "OpenAIClient", "default_cache_dir"]
