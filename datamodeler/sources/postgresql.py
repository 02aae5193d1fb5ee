"""PostgreSQL: every session read-only with a statement timeout; row counts from pg_class on big tables."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlglot import exp

from ..model import Table
from .base import CatalogFilter, LoggedQuery
from .history import shape_queries
from .sqlalchemy_source import EXACT_COUNT_LIMIT, SQLAlchemySource, _exact_count, query_error

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


def statements_query() -> exp.Select:
    """``pg_stat_statements`` of this database grouped by ``queryid`` (one row per normalised statement, all
    roles together), in the columns of ``history.SHAPE_COLUMNS``; the view keeps no start times."""
    calls, user = exp.column("calls", table="s"), exp.column("rolname", table="r")
    projections = [
        exp.alias_(exp.Min(this=exp.column("query", table="s")), "query_text"), exp.alias_(exp.Sum(this=calls), "query_count"),
        exp.alias_(exp.Min(this=user), "first_user"), exp.alias_(exp.Max(this=user.copy()), "last_user"),
        exp.alias_(exp.Count(this=exp.Distinct(expressions=[user.copy()])), "user_count"),
        exp.alias_(exp.Null(), "first_start"), exp.alias_(exp.Null(), "last_start"),
        exp.alias_(exp.Div(this=exp.Sum(this=exp.column("total_exec_time", table="s")),
                           expression=exp.func("NULLIF", exp.Sum(this=calls.copy()), exp.Literal.number(0))), "mean_duration_ms"),
        exp.alias_(exp.Min(this=exp.column("datname", table="d")), "database_name"),
    ]
    return (exp.select(*projections).from_(exp.table_("pg_stat_statements", alias="s"))
            .join(exp.table_("pg_roles", alias="r"), on="r.oid = s.userid", join_type="left")
            .join(exp.table_("pg_database", alias="d"), on="d.oid = s.dbid", join_type="left")
            .where(exp.column("datname", table="d").eq(exp.CurrentDatabase()))
            .group_by(exp.column("queryid", table="s"))
            .order_by(exp.Ordered(this=exp.Sum(this=calls.copy()), desc=True)))


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
                rows = conn.exec_driver_sql(statements_query().sql(dialect="postgres")).fetchall()
            except sa.exc.DBAPIError:
                return iter(())
        return (query for row in rows for query in shape_queries(row))

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
