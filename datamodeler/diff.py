"""What changed between two model files: tables, columns, keys and relationships (added, removed, changed)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .model import DataModel, Relationship, Table


@dataclass
class ModelDiff:
    tables_added: list[str] = field(default_factory=list)
    tables_removed: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    columns_changed: list[str] = field(default_factory=list)
    keys_changed: list[str] = field(default_factory=list)
    relationships_added: list[str] = field(default_factory=list)
    relationships_removed: list[str] = field(default_factory=list)
    relationships_changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(asdict(self).values())

    def to_dict(self) -> dict[str, list[str]]:
        return asdict(self)


def diff_models(old: DataModel, new: DataModel) -> ModelDiff:
    """Compare two models by table name, column name and relationship id."""
    result = ModelDiff()
    old_tables, new_tables = _by_name(old.tables), _by_name(new.tables)
    result.tables_added = sorted(new_tables.keys() - old_tables.keys())
    result.tables_removed = sorted(old_tables.keys() - new_tables.keys())
    for name in sorted(old_tables.keys() & new_tables.keys()):
        _diff_table(old_tables[name], new_tables[name], result)
    _diff_relationships({r.id: r for r in old.relationships}, {r.id: r for r in new.relationships}, result)
    return result


def _by_name(tables: list[Table]) -> dict[str, Table]:
    return {t.name: t for t in tables}


def _diff_table(old: Table, new: Table, result: ModelDiff) -> None:
    old_columns = {c.name: c for c in old.columns}
    new_columns = {c.name: c for c in new.columns}
    result.columns_added += [f"{new.name}.{c}" for c in new_columns if c not in old_columns]
    result.columns_removed += [f"{old.name}.{c}" for c in old_columns if c not in new_columns]
    for name in old_columns.keys() & new_columns.keys():
        before, after = old_columns[name], new_columns[name]
        if (before.type, before.nullable) != (after.type, after.nullable):
            result.columns_changed.append(f"{new.name}.{name}: {_column_text(before)} → {_column_text(after)}")
    if old.primary_key != new.primary_key:
        result.keys_changed.append(f"{new.name}: primary key ({', '.join(old.primary_key)}) → ({', '.join(new.primary_key)})")


def _column_text(column) -> str:
    return f"{column.type}{'' if column.nullable else ' NOT NULL'}"


def _diff_relationships(old: dict[str, Relationship], new: dict[str, Relationship], result: ModelDiff) -> None:
    result.relationships_added = sorted(f"{new[i].label} [{new[i].status}]" for i in new.keys() - old.keys())
    result.relationships_removed = sorted(f"{old[i].label} [{old[i].status}]" for i in old.keys() - new.keys())
    for rel_id in sorted(old.keys() & new.keys()):
        before, after = old[rel_id], new[rel_id]
        if (before.status, before.cardinality) != (after.status, after.cardinality):
            result.relationships_changed.append(
                f"{after.label}: {before.status} {before.cardinality} → {after.status} {after.cardinality}"
            )
