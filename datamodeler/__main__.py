"""``python -m datamodeler`` and the ``datamodeler`` console script."""

import sys


def main() -> None:
    """Start the CLI; Ctrl-C while it starts up (imports, option parsing) exits 130 without a traceback."""
    try:
        from .cli import run

        run()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
