"""PostgreSQL: every session read-only with a statement timeout; row counts from pg_class on big tables."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlglot import exp

from ..model import Table
from .base import CatalogFilter, LoggedQuery
from .sqlalchemy_source import (
    EXACT_COUNT_LIMIT,
    SQLAlchemySource,
    _exact_count,
    query_error,
)

ESTIMATES_SQL = """
SELECT n.nspname, c.relname, c.reltuples::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
"""

PARTITIONS_SQL = """
SELECT pn.nspname, p.relname, cn.nspname, c.relname
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
"""
"""Declarative partitions and inheritance children, each with its parent."""

STATEMENTS_SQL = """
SELECT s.query, r.rolname, d.datname, s.calls, s.mean_exec_time
FROM pg_stat_statements s
LEFT JOIN pg_roles r ON r.oid = s.userid
LEFT JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database()
ORDER BY s.calls DESC
"""


ROLE_SQL = """
SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
       ARRAY(SELECT g.rolname FROM pg_roles g
             WHERE g.rolname IN ('pg_write_server_files', 'pg_read_server_files', 'pg_execute_server_program',
                                 'pg_signal_backend', 'pg_write_all_data')
               AND pg_has_role(r.oid, g.oid, 'MEMBER')),
       has_database_privilege(current_database(), 'CREATE')
FROM pg_roles r WHERE r.rolname = current_user
"""
WRITE_PRIVILEGES = "INSERT,UPDATE,DELETE,TRUNCATE"
SCHEMA_CREATE = sa.text("SELECT CASE WHEN to_regnamespace(:quoted) IS NULL THEN false ELSE has_schema_privilege(:schema, 'CREATE') END")


class PostgresSource(SQLAlchemySource):
    """A PostgreSQL database; sessions run with ``default_transaction_read_only``."""

    def _create_engine(self, url: str) -> sa.Engine:
        options = "-c default_transaction_read_only=on -c statement_timeout=60000"
        try:
            return sa.create_engine(url, connect_args={"options": options, "connect_timeout": 10})
        except Exception:  # noqa: BLE001 - let the base class give the precise error
            return super()._create_engine(url)

    def default_schemas(self) -> list[str]:
        """The session's search path, as PostgreSQL resolves names through it (schemas that exist, in order)."""
        try:
            with self.engine.connect() as conn:
                return [str(s) for s in conn.exec_driver_sql("SELECT current_schemas(false)").scalar() or []]
        except sa.exc.SQLAlchemyError:
            return super().default_schemas()

    def _crawl(self, filters: CatalogFilter) -> list[Table]:
        tables = super()._crawl(filters)
        self._add_partitions(tables)
        return tables

    def _add_partitions(self, tables: list[Table]) -> None:
        """``Table.partitions`` / ``part_of`` from ``pg_inherits`` (declarative partitions, inheritance children);
        a sub-partition belongs to the top of its tree."""
        by_name = {t.name: t for t in tables}
        with self.engine.connect() as conn:
            parent_of = {f"{cs}.{c}": f"{ps}.{p}" for ps, p, cs, c in conn.exec_driver_sql(PARTITIONS_SQL)}
        for child, parent in parent_of.items():
            while parent in parent_of:
                parent = parent_of[parent]
            if child in by_name and parent in by_name:
                by_name[child].part_of = parent
                by_name[parent].partitions = sorted({*by_name[parent].partitions, child})

    def _add_row_counts(self, tables: list[Table]) -> None:
        with self.engine.connect() as conn:
            estimates = {f"{s}.{t}": n for s, t, n in conn.exec_driver_sql(ESTIMATES_SQL)}
            for table in (t for t in tables if t.kind == "table"):
                estimate = estimates.get(table.name, -1)
                if 0 <= estimate < EXACT_COUNT_LIMIT or estimate < 0:
                    table.row_count = _exact_count(conn, table.name)
                else:
                    table.row_count, table.row_count_exact = int(estimate), False

    def queries(self) -> Iterator[LoggedQuery]:
        """Statements from ``pg_stat_statements`` when the extension is installed in this database."""
        with self.engine.connect() as conn:
            installed = conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'").first()
            if not installed:
                return iter(())
            try:
                rows = conn.exec_driver_sql(STATEMENTS_SQL).fetchall()
            except sa.exc.DBAPIError:
                return iter(())
        return iter(
            LoggedQuery(text=q, user=user, database=db, count=int(calls), duration_ms=float(mean_ms or 0))
            for q, user, db, calls, mean_ms in rows
        )

    def role_privileges(self, tables: list[str]) -> list[str]:
        """What the session's role may do beyond reading: superuser, server-file roles, writes on ``tables``, CREATE."""
        try:
            with self._connect_checked().connect() as conn:
                row = conn.exec_driver_sql(ROLE_SQL).first()
                if row is None:
                    return []
                superuser, createrole, createdb, bypassrls, roles, create_db = row
                found = [label for flag, label in ((superuser, "superuser"), (createrole, "CREATEROLE"), (createdb, "CREATEDB"),
                                                   (bypassrls, "BYPASSRLS"), (create_db, "CREATE on the database")) if flag]
                found.extend(f"member of {name}" for name in roles)
                found.extend(self._write_privileges(conn, tables))
        except sa.exc.DBAPIError as exc:
            raise query_error(exc.orig or exc) from exc
        return found

    def _write_privileges(self, conn: sa.Connection, tables: list[str]) -> list[str]:
        """``can write crm.members`` and ``CREATE in schema crm`` for the model's tables and schemas."""
        check = sa.text("SELECT CASE WHEN to_regclass(:name) IS NULL THEN false ELSE has_table_privilege(:name, :privileges) END")
        writable = [name for name in tables
                    if conn.execute(check, {"name": exp.to_table(name).sql("postgres", identify=True),
                                            "privileges": WRITE_PRIVILEGES}).scalar()]
        schemas = sorted({name.rpartition(".")[0] for name in tables if "." in name})
        creatable = [schema for schema in schemas
                     if conn.execute(SCHEMA_CREATE, {"schema": schema, "quoted": exp.to_identifier(schema).sql("postgres", identify=True)}).scalar()]
        found = [f"can write {', '.join(writable[:3])}" + (f" and {len(writable) - 3} more" if len(writable) > 3 else "")] if writable else []
        return found + [f"CREATE in schema {', '.join(creatable)}"] if creatable else found

    def _begin_read_only(self, conn: sa.Connection, timeout_s: float) -> None:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
