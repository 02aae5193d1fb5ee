"""``python -m datamodeler``."""

from .cli import run

run()
