"""PNG: the DOT diagram laid out and drawn by Graphviz."""

from __future__ import annotations

from ..diagram import Diagram
from . import dot, graphviz


def export(diagram: Diagram) -> bytes:
    """The diagram as a PNG image (needs Graphviz's ``dot``)."""
    return graphviz.render(dot.export(diagram), "png")
