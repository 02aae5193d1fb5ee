"""Any SQLAlchemy URL: the catalog through the inspector, queries in a read-only transaction."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from ..errors import QueryError, SourceError
from ..model import Column, ForeignKey, Table
from .base import CatalogFilter, LoggedQuery, Rows, qualified_name

EXACT_COUNT_LIMIT = 1_000_000


def redact_url(url: str) -> str:
    """The URL with any password removed."""
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given, minus userinfo
        return url.split("@")[-1]
    secret_keys = [k for k in parsed.query if any(w in k.lower() for w in ("password", "secret", "token", "key"))]
    return parsed._replace(password=None).difference_update_query(secret_keys).render_as_string(hide_password=False)


def query_error(exc: BaseException) -> QueryError:
    """A driver error as a one-line ``QueryError``."""
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return QueryError(f"query failed: {first_line}")


def database_file(url: str, product: str, suffix: str) -> Path:
    """The existing database file a file-based URL (SQLite, DuckDB) names, or a precise ``SourceError``."""
    scheme = make_url(url).get_backend_name()
    database = make_url(url).database
    if not database or database == ":memory:":
        raise SourceError(f"a {product} URL needs a file path", f"use {scheme}:///path/to/file{suffix}")
    path = Path(database).expanduser()
    if not path.is_file():
        raise SourceError(f"no {product} database at {path}", f"check the path ({scheme}:///relative{suffix} or {scheme}:////absolute{suffix})")
    return path


def _sqlglot_dialect(backend: str) -> str:
    return {"postgresql": "postgres", "mssql": "tsql", "oracle": "oracle"}.get(backend, backend)


class SQLAlchemySource:
    """A warehouse reached through SQLAlchemy; subclasses make access read-only per backend."""

    driver_package: str | None = None  # the pip package with this backend's SQLAlchemy dialect, for the hint

    def __init__(self, url: str, engine: Engine | None = None):
        self.url = redact_url(url)
        self.backend = make_url(url).get_backend_name()
        self.dialect = _sqlglot_dialect(self.backend)
        self.engine = engine or self._create_engine(url)
        self.notes: list[str] = []  # driver warnings met while crawling, for the scan's notes


    def _create_engine(self, url: str) -> Engine:
        try:
            return sa.create_engine(url)
        except (sa.exc.NoSuchModuleError, ModuleNotFoundError) as exc:
            raise SourceError(
                f"no SQLAlchemy driver for '{make_url(url).drivername}'",
                f"pip install {self.driver_package}" if self.driver_package
                else "install the driver package for this database (e.g. pip install psycopg)",
            ) from exc
        except sa.exc.ArgumentError as exc:
            raise SourceError(f"bad warehouse URL: {exc}", "use the form dialect+driver://user:pass@host/db") from exc

    # -- catalog -----------------------------------------------------------------------------
    def catalog(self, filters: CatalogFilter) -> list[Table]:
        """Tables and views; SQLAlchemy's warnings (a column type it does not know …) become ``notes``."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", sa.exc.SAWarning)
            tables = self._crawl(filters)
        self.notes.extend(_driver_notes(caught))
        return tables

    def _crawl(self, filters: CatalogFilter) -> list[Table]:
        inspector = sa.inspect(self._connect_checked())
        tables: list[Table] = []
        for schema in self._schemas(inspector, filters):
            tables.extend(self._schema_tables(inspector, schema, filters))
        self._add_row_counts(tables)
        return tables

    def _connect_checked(self) -> Engine:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise SourceError(f"cannot connect to {self.url}: {reason}", "check the host, port, database name and credentials") from exc
        except sa.exc.DBAPIError as exc:
            raise SourceError(f"cannot connect to {self.url}: {exc.orig}") from exc
        return self.engine

    def default_schemas(self) -> list[str]:
        """Where the warehouse looks for an unqualified table name, in order ([] when it cannot say)."""
        try:
            name = sa.inspect(self.engine).default_schema_name
        except sa.exc.SQLAlchemyError:
            return []
        shown = self._display_schema(name) if name else None
        return [shown] if shown else []

    def _schemas(self, inspector: Any, filters: CatalogFilter) -> list[str | None]:
        names = [s for s in inspector.get_schema_names() if filters.wants_schema(s)]
        return names or [None]

    def _display_schema(self, schema: str | None) -> str | None:
        return schema

    def _schema_tables(self, inspector: Any, schema: str | None, filters: CatalogFilter) -> list[Table]:
        shown = self._display_schema(schema)
        kinds: dict[str, Literal["table", "view"]] = {name: "table" for name in inspector.get_table_names(schema=schema)}
        kinds.update({name: "view" for name in inspector.get_view_names(schema=schema)})
        wanted = [n for n in sorted(kinds) if filters.wants_table(qualified_name(shown, n))]
        if not wanted:
            return []
        multi = _MultiReflection(inspector, schema, wanted)
        return [self._build_table(inspector, schema, shown, name, kinds[name], multi) for name in wanted]

    def _build_table(self, inspector: Any, schema: str | None, shown: str | None, name: str, kind: Literal["table", "view"],
                     multi: _MultiReflection) -> Table:
        key = (schema, name)
        pk = multi.pks.get(key) or {}
        table = Table(
            name=qualified_name(shown, name),
            kind=kind,
            columns=[_column(c) for c in multi.columns.get(key, [])],
            primary_key=list(pk.get("constrained_columns") or []),
            unique_keys=[list(u["column_names"]) for u in multi.uniques.get(key, []) if u.get("column_names")],
            foreign_keys=[_foreign_key(fk, self._display_schema) for fk in multi.fks.get(key, []) if fk.get("referred_table")],
            comment=(multi.comments.get(key) or {}).get("text"),
        )
        table.primary_key_source = "declared" if table.primary_key else None
        if kind == "view":
            table.view_sql = _view_definition(inspector, name, schema)
        return table

    def _add_row_counts(self, tables: list[Table]) -> None:
        with self.engine.connect() as conn:
            for table in tables:
                if table.kind == "table":
                    table.row_count = _exact_count(conn, table.name)

    # -- query history -------------------------------------------------------------------------
    def queries(self) -> Iterator[LoggedQuery]:
        return iter(())

    # -- read-only queries ---------------------------------------------------------------------
    def execute(self, sql: str, timeout_s: float = 30.0, max_rows: int | None = None) -> Rows:
        with self.engine.connect() as conn:
            self._begin_read_only(conn, timeout_s)
            # The DBAPI cursor without parameters: no driver reads '%' in the SQL as a placeholder.
            cursor = conn.connection.cursor()
            try:
                cursor.execute(sql)
                rows = cursor.fetchmany(max_rows) if max_rows is not None else cursor.fetchall()
                return Rows(columns=[d[0] for d in cursor.description or []], rows=[tuple(r) for r in rows])
            except self.engine.dialect.loaded_dbapi.Error as exc:
                raise query_error(exc) from exc
            finally:
                cursor.close()

    def _begin_read_only(self, conn: sa.Connection, timeout_s: float) -> None:
        """Backends override this to enforce read-only access and the statement timeout."""

    def release(self) -> None:
        """Nothing to free: a server holds the catalog, and SQLite reads its file on demand."""

    def close(self) -> None:
        self.engine.dispose()


def _driver_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    """SQLAlchemy warnings as one-line notes; any other warning is shown as Python would have."""
    notes: list[str] = []
    for item in caught:
        if issubclass(item.category, sa.exc.SAWarning):
            line = f"catalog: {(str(item.message).strip().splitlines() or [''])[0]}"
            notes += [line] if line not in notes else []
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    return notes


class _MultiReflection:
    """Columns, keys and comments of many tables in one inspector call each (fast on big catalogs)."""

    def __init__(self, inspector: Any, schema: str | None, names: list[str]):
        kwargs = {"schema": schema, "filter_names": names, "kind": sa.engine.ObjectKind.ANY}
        self.columns = inspector.get_multi_columns(**kwargs)
        self.pks = _safe(inspector.get_multi_pk_constraint, kwargs)
        self.uniques = _safe(inspector.get_multi_unique_constraints, kwargs)
        self.fks = _safe(inspector.get_multi_foreign_keys, kwargs)
        self.comments = _safe(inspector.get_multi_table_comment, kwargs)


def _safe(method: Any, kwargs: dict) -> dict:
    try:
        return method(**kwargs)
    except NotImplementedError:
        return {}


def _column(info: dict) -> Column:
    default = info.get("default")
    return Column(
        name=info["name"],
        type=_type_name(info.get("type")),
        nullable=bool(info.get("nullable", True)),
        default=str(default) if default is not None else None,
        comment=info.get("comment"),
    )


def _type_name(type_: Any) -> str:
    try:
        return str(type_)
    except Exception:  # noqa: BLE001 - some dialect types cannot render without a dialect
        return type(type_).__name__.upper()


def _foreign_key(fk: dict, display_schema: Any) -> ForeignKey:
    return ForeignKey(
        name=fk.get("name"),
        columns=list(fk["constrained_columns"]),
        parent_table=qualified_name(display_schema(fk.get("referred_schema")), fk["referred_table"]),
        parent_columns=list(fk["referred_columns"]),
    )


def _view_definition(inspector: Any, name: str, schema: str | None) -> str | None:
    try:
        return inspector.get_view_definition(name, schema=schema)
    except Exception:  # noqa: BLE001 - a view we cannot read is still a view
        return None


def _exact_count(conn: sa.Connection, qualified: str) -> int | None:
    parts = [sa.table(qualified.rpartition(".")[2], schema=qualified.rpartition(".")[0] or None)]
    try:
        return conn.execute(sa.select(sa.func.count()).select_from(parts[0])).scalar_one()
    except sa.exc.DBAPIError:
        return None
