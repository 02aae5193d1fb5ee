"""Run Graphviz's ``dot`` binary to turn DOT text into SVG or PNG (the one subprocess of the exporters)."""

from __future__ import annotations

import shutil
import subprocess

from ...errors import ExportError

INSTALL_HINT = "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz) or use --format dot"
TIMEOUT_S = 120


def available() -> bool:
    """Whether the ``dot`` binary is on PATH."""
    return shutil.which("dot") is not None


def render(dot_text: str, fmt: str) -> bytes:
    """Render DOT text with ``dot -T<fmt>``; ExportError when dot is missing or rejects the input."""
    binary = shutil.which("dot")
    if binary is None:
        raise ExportError(f"--format {fmt} needs Graphviz's `dot` program, which is not installed", INSTALL_HINT)
    try:
        done = subprocess.run([binary, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ExportError(f"Graphviz took more than {TIMEOUT_S}s to lay out the diagram", "draw less: --table/--entity/--schema or --columns keys") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExportError(f"Graphviz failed: {message[0] if message else f'exit status {done.returncode}'}")
    return done.stdout


def inline_svg(dot_text: str) -> str:
    """SVG markup to embed in an HTML page: the XML prolog and DOCTYPE stripped."""
    svg = render(dot_text, "svg").decode("utf-8")
    return svg[svg.index("<svg") :]
