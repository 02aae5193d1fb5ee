"""``python -m datamodeler`` and the ``datamodeler`` console script."""

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def main() -> None:
    """Start the CLI; Ctrl-C while it starts up (imports, option parsing) exits 130 without a traceback."""
    try:
        with _interrupts_held():
            from .cli import run
        run()
    except KeyboardInterrupt:
        sys.exit(130)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT while the CLI imports: an interrupt landing inside a native extension's start-up (DuckDB builds
    its enums through nanobind) aborts the process (SIGABRT, "Critical nanobind error") instead of raising
    KeyboardInterrupt. A Ctrl-C pressed meanwhile is delivered on leaving, as KeyboardInterrupt."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


if __name__ == "__main__":
    main()
