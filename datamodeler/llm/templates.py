"""Prompt templates: ``prompts/<task>.md`` files with a version header, a system and a user section.

    version: 1
    task: describe_entities
    ---
    ## system
    …
    ## user
    … <data>
    {{data}}
    </data>

Loaded from ``datamodeler/prompts`` (inside the wheel) or ``prompts/`` at the root of a checkout.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from ..errors import LLMError

DATA_PLACEHOLDER = "{{data}}"


@dataclass(frozen=True)
class Template:
    """One task's prompt: its version, and the system and user text (the user text holds ``{{data}}``)."""

    task: str
    version: str
    system: str
    user: str


def prompts_dir() -> Path:
    """``datamodeler/prompts`` in an installed wheel, else ``prompts/`` in the checkout."""
    package_dir = Path(__file__).resolve().parents[1]
    for candidate in (package_dir / "prompts", package_dir.parent / "prompts"):
        if candidate.is_dir():
            return candidate
    return package_dir.parent / "prompts"


@functools.cache
def load_template(task: str) -> Template:
    """The template for ``task`` (e.g. ``describe_entities``); ``LLMError`` when missing or malformed."""
    path = prompts_dir() / f"{task}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LLMError(f"prompt template {path} is missing ({exc.strerror})", "reinstall datamodeler") from None
    return parse_template(text, task, str(path))


def parse_template(text: str, task: str, origin: str = "template") -> Template:
    """Split a template file into its header and its ``## system`` / ``## user`` sections."""
    header_text, separator, body = text.partition("\n---\n")
    header = dict(_header_line(line) for line in header_text.splitlines() if ":" in line)
    sections = _sections(body)
    if not separator or "version" not in header or not {"system", "user"} <= set(sections):
        raise LLMError(f"{origin} is malformed: it needs a 'version:' header, '---', and '## system' and '## user' sections")
    if DATA_PLACEHOLDER not in sections["user"]:
        raise LLMError(f"{origin} is malformed: the user section has no {DATA_PLACEHOLDER}")
    return Template(task=header.get("task", task), version=header["version"], system=sections["system"], user=sections["user"])


def _header_line(line: str) -> tuple[str, str]:
    key, _, value = line.partition(":")
    return key.strip(), value.strip()


def _sections(body: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip().lower(), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}
