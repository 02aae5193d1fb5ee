"""Output formats, one module per format, registered in ``EXPORTERS``; ``--format`` choices are its keys.

Diagram formats draw one ``Diagram`` (``export(diagram) -> str | bytes``); documentation formats
take the whole model (``export(model) -> {relative path: text}``). Adding a format is one module,
one line here, one golden test and one line in the README.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ...errors import NotFoundError
from . import dbml, dbt, dot, html, markdown, mermaid, plantuml, png, svg


@dataclass(frozen=True)
class Exporter:
    """A registered format: what it produces and how."""

    kind: Literal["diagram", "docs"]
    export: Callable[..., Any]
    suffix: str = ""
    binary: bool = False
    fits: Callable[..., bool] | None = None  # diagram size limits of the format (Mermaid's), if any


EXPORTERS: dict[str, Exporter] = {
    "mermaid": Exporter("diagram", mermaid.export, ".mmd", fits=mermaid.fits),
    "dot": Exporter("diagram", dot.export, ".dot"),
    "svg": Exporter("diagram", svg.export, ".svg", binary=True),
    "png": Exporter("diagram", png.export, ".png", binary=True),
    "dbml": Exporter("diagram", dbml.export, ".dbml"),
    "plantuml": Exporter("diagram", plantuml.export, ".puml"),
    "markdown": Exporter("docs", markdown.export),
    "html": Exporter("docs", html.export),
    "dbt": Exporter("docs", dbt.export),
}

DIAGRAM_FORMATS = tuple(name for name, e in EXPORTERS.items() if e.kind == "diagram")
DOCS_FORMATS = tuple(name for name, e in EXPORTERS.items() if e.kind == "docs")


def exporter(name: str, kind: Literal["diagram", "docs"]) -> Exporter:
    """The exporter called ``name`` of this kind; NotFoundError lists the valid ones."""
    found = EXPORTERS.get(name.lower())
    if found is None or found.kind != kind:
        raise NotFoundError("format", name, [n for n, e in EXPORTERS.items() if e.kind == kind])
    return found


__all__ = ["DIAGRAM_FORMATS", "DOCS_FORMATS", "EXPORTERS", "Exporter", "exporter"]
