"""Spider ``tables.json`` entries as datamodeler models: shared by the relationship and ask benchmarks."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datamodeler.model import Column, DataModel, Relationship, SourceInfo, Table  # noqa: E402

SPIDER_TYPES = {"number": "NUMERIC", "text": "TEXT", "time": "TIMESTAMP", "boolean": "BOOLEAN", "others": "OTHER"}


def spider_model(db: dict, declared_fks: bool = False) -> DataModel:
    """A schema-only model: original names, types, declared primary keys; FKs as declared relationships on request."""
    names = db["table_names_original"]
    tables = [Table(name=name) for name in names]
    for (table_index, name), type_ in zip(db["column_names_original"], db["column_types"]):
        if table_index >= 0:
            tables[table_index].columns.append(Column(name=name, type=SPIDER_TYPES.get(type_, type_)))
    for pk in db["primary_keys"]:
        for index in pk if isinstance(pk, list) else [pk]:
            table_index, name = db["column_names_original"][index]
            tables[table_index].primary_key.append(name)
            tables[table_index].primary_key_source = "declared"
    model = DataModel(source=SourceInfo(url=f"spider:{db['db_id']}", dialect="sqlite", scanned_at="benchmark"), tables=tables)
    if declared_fks:
        model.relationships = [_declared(db, child, parent) for child, parent in db["foreign_keys"]]
    return model


def _declared(db: dict, child: int, parent: int) -> Relationship:
    names, columns = db["table_names_original"], db["column_names_original"]
    (child_table, child_column), (parent_table, parent_column) = columns[child], columns[parent]
    return Relationship(child_table=names[child_table], child_columns=[child_column], parent_table=names[parent_table],
                        parent_columns=[parent_column], status="declared", confidence=1.0, sources=["declared"])
