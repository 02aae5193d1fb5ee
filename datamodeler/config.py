"""Settings, resolved once in this order: defaults < datamodeler.toml < environment < command-line flags.

    [llm]                       # any OpenAI-compatible endpoint
    base_url = "http://localhost:11434/v1"
    model = "llama3.1"
    api_key = "…"               # or OPENAI_API_KEY
    timeout_s = 60

    [scan]
    sample_rows = 100000
    statement_timeout_s = 30
    workers = 2
    history_days = 30           # live query history read from Snowflake, BigQuery, Databricks
    value_search = true         # data-driven candidates for reference columns no name explains

    [ask]
    prompt_budget_tokens = 8000 # the whole schema goes to the LLM when it fits; otherwise the linked tables
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_FILE = "datamodeler.toml"


@dataclass(frozen=True)
class LLMSettings:
    base_url: str | None = None
    api_key: str | None = None
    model: str = "gpt-4o-mini"
    timeout_s: float = 60.0
    max_retries: int = 1
    concurrency: int = 4  # requests in flight at once (one per entity batch)

    @property
    def configured(self) -> bool:
        """An endpoint is usable when a key or a (local) base URL is set."""
        return bool(self.api_key or self.base_url)


@dataclass(frozen=True)
class ScanSettings:
    sample_rows: int = 100_000
    statement_timeout_s: float = 30.0
    profile_budget_s: float = 40.0
    workers: int = 0  # 0: one per core
    max_statement_chars: int = 200_000
    lineage_timeout_s: float = 10.0  # per distinct statement: parse + qualify + trace
    history_days: int = 30  # how far back live warehouse query history is read
    duckdb_memory_limit: str = "1GB"  # what one DuckDB statement may use (its default is 80% of RAM); the cache is trimmed
    value_search: bool = True  # data-driven candidates for reference columns no name explains (discovery/proposers/values.py)


@dataclass(frozen=True)
class AskSettings:
    prompt_budget_tokens: int = 8000  # schema text sent to the LLM; the whole schema when it fits


@dataclass(frozen=True)
class Settings:
    llm: LLMSettings = field(default_factory=LLMSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
    ask: AskSettings = field(default_factory=AskSettings)
    origin: str = "defaults"


ENV_VARS: dict[str, tuple[str, str]] = {
    "OPENAI_API_KEY": ("llm", "api_key"),
    "OPENAI_BASE_URL": ("llm", "base_url"),
    "DATAMODELER_LLM_BASE_URL": ("llm", "base_url"),
    "DATAMODELER_LLM_API_KEY": ("llm", "api_key"),
    "DATAMODELER_LLM_MODEL": ("llm", "model"),
    "DATAMODELER_LLM_TIMEOUT": ("llm", "timeout_s"),
    "DATAMODELER_LLM_CONCURRENCY": ("llm", "concurrency"),
    "DATAMODELER_SAMPLE_ROWS": ("scan", "sample_rows"),
    "DATAMODELER_STATEMENT_TIMEOUT": ("scan", "statement_timeout_s"),
    "DATAMODELER_WORKERS": ("scan", "workers"),
    "DATAMODELER_LINEAGE_TIMEOUT": ("scan", "lineage_timeout_s"),
    "DATAMODELER_HISTORY_DAYS": ("scan", "history_days"),
    "DATAMODELER_DUCKDB_MEMORY_LIMIT": ("scan", "duckdb_memory_limit"),
    "DATAMODELER_ASK_PROMPT_BUDGET": ("ask", "prompt_budget_tokens"),
}


def load_settings(config_path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Settings from the config file (``--config``, ``$DATAMODELER_CONFIG`` or ./datamodeler.toml) and the environment."""
    environ = dict(os.environ if environ is None else environ)
    path = config_path or (Path(environ["DATAMODELER_CONFIG"]) if environ.get("DATAMODELER_CONFIG") else None)
    sections = _read_toml(path, required=True) if path else _read_toml(Path(CONFIG_FILE), required=False)
    for name, (section, key) in ENV_VARS.items():
        if environ.get(name):
            sections.setdefault(section, {})[key] = environ[name]
    origin = str(path or (CONFIG_FILE if Path(CONFIG_FILE).exists() else "defaults"))
    return Settings(
        llm=_build(LLMSettings, sections.get("llm", {}), "llm"),
        scan=_build(ScanSettings, sections.get("scan", {}), "scan"),
        ask=_build(AskSettings, sections.get("ask", {}), "ask"),
        origin=origin,
    )


def with_overrides(settings: Settings, section: str, **values: Any) -> Settings:
    """A copy with command-line flags applied (``None`` means the flag was not given)."""
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        return settings
    return replace(settings, **{section: replace(getattr(settings, section), **given)})


def _read_toml(path: Path, required: bool) -> dict[str, dict[str, Any]]:
    if not path.exists():
        if required:
            raise ConfigError(f"config file {path} does not exist", "create it or unset DATAMODELER_CONFIG")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"llm", "scan", "ask"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}", "valid sections: [llm], [scan], [ask]")
    return {k: dict(v) for k, v in data.items()}


def _build(cls: type, values: dict[str, Any], section: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"unknown [{section}] setting(s): {', '.join(sorted(unknown))}", f"valid: {', '.join(known)}")
    converted = {}
    for key, value in values.items():
        kind = type(getattr(cls(), key))
        try:
            converted[key] = value if kind is type(None) or isinstance(value, kind) else kind(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"[{section}] {key} = {value!r} is not a valid {kind.__name__}") from exc
    return cls(**converted)
