"""Existence: every table, column and entity a proposal names must be in the model (``unknown table X``)."""

from __future__ import annotations

from ...model import DataModel, Table


def find_table(model: DataModel, name: str | None) -> Table | None:
    """The model's table called ``name`` (``schema.table``, or a short name that is unique), else None."""
    return model.table(name) if name else None


def missing_table(model: DataModel, name: str | None) -> str | None:
    """``unknown table X`` when the model has no such table, else None."""
    return None if find_table(model, name) is not None else f"unknown table {name}"


def missing_columns(table: Table, columns: list[str]) -> str | None:
    """``unknown column T.c`` for the first column ``table`` lacks, ``no columns`` for an empty list, else None."""
    if not columns:
        return f"no columns given for {table.name}"
    for column in columns:
        if table.column(column) is None:
            return f"unknown column {table.name}.{column}"
    return None
