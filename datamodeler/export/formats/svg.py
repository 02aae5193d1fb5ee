"""SVG: the DOT diagram laid out and drawn by Graphviz."""

from __future__ import annotations

from ..diagram import Diagram
from . import dot, graphviz


def export(diagram: Diagram) -> bytes:
    """The diagram as an SVG document (needs Graphviz's ``dot``)."""
    return graphviz.render(dot.export(diagram), "svg")
