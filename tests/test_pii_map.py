"""The personal-data map: PII through lineage and keys on the real demo DuckDB, hashed and aggregated marts, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from datamodeler.cli import app
from datamodeler.privacy import build_inventory, person_request, subject_request
from datamodeler.store import load_model

MEMBER_ID = 2009  # a member with profiles, devices, tickets, payments and searches in the generated data
DOCUMENTED = {  # examples/streaming/README.md, "Personal data", as the name-based scan flags them
    "crm.members": {"email", "first_name", "last_name", "phone", "birth_date", "signup_ip"},
    "crm.employees": {"full_name", "work_email", "phone"},
    "catalog.people": {"full_name", "birth_date"},
    "crm.devices": {"last_ip"},
    "events.playback_sessions": {"client_ip"},
    "crm.support_tickets": {"body"},
}
# The generator's own truth: the rows it wrote for one member, read straight from the DuckDB file.
TRUTH = {
    "crm.members": "SELECT * FROM crm.members WHERE member_id = $id",
    "crm.active_members": "SELECT * FROM crm.active_members WHERE member_id = $id",
    "crm.profiles": "SELECT * FROM crm.profiles WHERE member_id = $id",
    "crm.subscriptions": "SELECT * FROM crm.subscriptions WHERE member_id = $id",
    "crm.payments": "SELECT * FROM crm.payments WHERE subscription_id IN (SELECT subscription_id FROM crm.subscriptions WHERE member_id = $id)",
    "crm.support_tickets": "SELECT * FROM crm.support_tickets WHERE member_id = $id",
    "crm.devices": "SELECT * FROM crm.devices WHERE profile_ref IN (SELECT id FROM crm.profiles WHERE member_id = $id)",
    "events.impressions": "SELECT * FROM events.impressions WHERE imp_profile_id IN (SELECT id FROM crm.profiles WHERE member_id = $id)",
    "events.playback_sessions": "SELECT * FROM events.playback_sessions WHERE profile_ref IN (SELECT id FROM crm.profiles WHERE member_id = $id)",
    "events.ratings": 'SELECT * FROM events.ratings WHERE "profileId" IN (SELECT id FROM crm.profiles WHERE member_id = $id)',
    "events.searches": 'SELECT * FROM events.searches WHERE "memberId" = $id',
    "marts.member_ltv": "SELECT * FROM marts.member_ltv WHERE member_id = $id",
    "marts.kids_viewing": "SELECT * FROM marts.kids_viewing WHERE member_id = $id",
}


@pytest.fixture()
def demo_model_path(demo_model_file) -> Path:
    """The demo warehouse and its logs, scanned once per session (no LLM; tests/conftest.py): read only."""
    return demo_model_file


@pytest.fixture(autouse=True)
def no_config(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray datamodeler.toml


def test_inventory_lists_every_documented_personal_column_and_the_marts_built_from_them(demo_model_path):
    inventory = build_inventory(load_model(demo_model_path))
    for table, columns in DOCUMENTED.items():
        assert columns <= {c.column for c in inventory.entry(table).columns}, table
    assert {s.table for s in inventory.subjects} == {"crm.members", "crm.employees", "catalog.people"}
    email = next(c for c in inventory.entry("crm.active_members").columns if c.column == "email")
    assert email.path == ("crm.members.email", "crm.active_members.email")
    for mart in ("marts.member_ltv", "marts.kids_viewing"):
        link = next(s for s in inventory.entry(mart).subjects if s.subject == "crm.members")
        assert link.depth == 1 and any(hop.parent == "crm.members" for path in link.paths for hop in path[:1])
    assert inventory.entry("events.searches").subjects  # free text in "queryText": the table is reached
    assert inventory.entry("marts.daily_title_views") is None  # count(distinct profile_ref) is not personal
    assert inventory.entry("crm.members").readers  # log users who read the table


def test_role_keys_link_tickets_to_employees(demo_model_path):
    tickets = build_inventory(load_model(demo_model_path)).entry("crm.support_tickets")
    link = next(s for s in tickets.subjects if s.subject == "crm.employees")
    assert {path[0].columns for path in link.paths} == {("created_by",), ("assigned_to",)}


def test_run_returns_exactly_the_rows_the_generator_wrote_for_one_member(demo_model_path, demo_paths):
    model = load_model(demo_model_path)
    request = person_request(model, "crm.members", str(MEMBER_ID), run=True)
    found = {t.table: t for t in request.tables}
    assert set(found) == set(TRUTH)
    con = duckdb.connect(str(demo_paths.database), read_only=True)
    try:
        for table, sql in TRUTH.items():
            expected = con.execute(sql, {"id": MEMBER_ID}).fetchall()
            assert sorted(map(repr, found[table].result.rows)) == sorted(map(repr, expected)), table
            assert found[table].rows == len(expected)
    finally:
        con.close()
    assert found["events.impressions"].rows > 0 and found["crm.support_tickets"].rows > 1


def test_erasure_plan_puts_children_before_parents_and_runs_nothing(demo_model_path):
    runner = CliRunner()
    result = runner.invoke(app, ["pii", "-m", str(demo_model_path), "--subject", "crm.members", "--id", str(MEMBER_ID), "--erasure-plan", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    order = [step["table"] for step in data["erasure_plan"]]
    assert order[-1] == "crm.members"
    assert order.index("crm.payments") < order.index("crm.subscriptions") < order.index("crm.members")
    assert order.index("crm.devices") < order.index("crm.profiles")
    assert "rows" not in data["tables"][0]  # nothing ran
    assert all(t["sql"].lstrip().upper().startswith("SELECT") for t in data["tables"])


def test_cli_inventory_formats_and_bad_input(demo_model_path):
    runner = CliRunner()
    text = runner.invoke(app, ["pii", "-m", str(demo_model_path)])
    assert text.exit_code == 0 and "crm.members" in text.stdout
    markdown = runner.invoke(app, ["pii", "-m", str(demo_model_path), "--format", "markdown"])
    assert markdown.exit_code == 0 and "## crm.members" in markdown.stdout and "marts.member\\_ltv" in markdown.stdout
    as_json = json.loads(runner.invoke(app, ["pii", "-m", str(demo_model_path), "--json"]).stdout)
    assert {"subjects", "tables", "unreached"} <= set(as_json)
    for args, message in ((["--format", "xml"], "unknown format"), (["--run"], "need a person"),
                          (["--subject", "marts.daily_title_views", "--id", "1"], "has no primary key"),
                          (["--subject", "nope.nothing", "--id", "1"], "no table 'nope.nothing'"),
                          (["--subject", "crm.members", "--id", "abc"], "not a number")):
        bad = runner.invoke(app, ["pii", "-m", str(demo_model_path), *args])
        assert bad.exit_code == 1 and message in bad.stderr and "Traceback" not in bad.output, args


def test_a_named_subject_is_used_and_its_sql_passes_the_gate(demo_model_path):
    model = load_model(demo_model_path)
    inventory = build_inventory(model, ["crm.profiles"])
    request = subject_request(model, inventory, "crm.profiles", "7")
    assert {"events.impressions", "crm.devices", "events.ratings"} <= {t.table for t in request.tables}
    assert all("LIMIT" in t.sql for t in request.tables)


# -- hashed and aggregated marts from a query log ------------------------------------------------

SHOP = """
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, email VARCHAR NOT NULL, full_name VARCHAR, country VARCHAR);
INSERT INTO customers SELECT i, 'user' || i || '@example.com', 'Name ' || i, CASE WHEN i % 2 = 0 THEN 'FR' ELSE 'DE' END FROM range(1, 41) t(i);
CREATE TABLE customer_keys AS SELECT customer_id, md5(lower(email)) AS email_sha FROM customers;
CREATE TABLE country_stats AS SELECT country, count(*) AS customers, count(DISTINCT email) AS emails FROM customers GROUP BY country;
"""
LOG = """
CREATE TABLE customer_keys AS SELECT customer_id, md5(lower(email)) AS email_sha FROM customers;
CREATE TABLE country_stats AS SELECT country, count(*) AS customers, count(DISTINCT email) AS emails FROM customers GROUP BY country;
"""


@pytest.fixture(scope="module")
def shop_model(tmp_path_factory):
    from datamodeler.scan import ScanOptions, run_scan

    folder = tmp_path_factory.mktemp("shop")
    con = duckdb.connect(str(folder / "shop.duckdb"))
    for statement in SHOP.split(";"):
        if statement.strip():
            con.execute(statement)
    con.close()
    (folder / "etl.sql").write_text(LOG)
    out = folder / "datamodel.json"
    run_scan(ScanOptions(url=f"duckdb:///{folder / 'shop.duckdb'}", query_logs=[folder / "etl.sql"], out=out, use_llm=False))
    return load_model(out)


def test_a_hashed_email_built_by_ctas_is_pseudonymised(shop_model):
    edge = next(e for e in shop_model.lineage if e.target.endswith("customer_keys.email_sha"))
    assert edge.transform == "hash"
    inventory = build_inventory(shop_model)
    flag = next(c for c in inventory.entry("main.customer_keys").columns if c.column == "email_sha")
    assert flag.category == "email" and flag.treatment == "pseudonymised"
    assert flag.path == ("main.customers.email", "main.customer_keys.email_sha")


def test_an_aggregate_only_mart_holds_no_personal_data(shop_model):
    inventory = build_inventory(shop_model)
    assert inventory.entry("main.country_stats") is None
    assert any(e.transform == "aggregate" for e in shop_model.lineage if e.target.endswith("country_stats.emails"))


def test_check_reports_personal_data_no_subject_reaches(shop_model):
    from datamodeler.check import check_model
    from datamodeler.model import Column, Table

    audit = Table(name="main.audit_log", primary_key=["event_id"],
                  columns=[Column(name="event_id", type="INTEGER"), Column(name="client_ip", type="VARCHAR", pii="ip_address")])
    model = shop_model.model_copy(update={"tables": [*shop_model.tables, audit]})
    report = check_model(model)
    assert report.unlinked_personal == [{"table": "main.audit_log", "column": "client_ip", "category": "ip_address", "origin": "direct"}]
    assert check_model(shop_model).unlinked_personal == []  # customer_keys is pseudonymised and linked by its key


def test_the_docs_show_a_section_per_subject(demo_model_path):
    from datamodeler.export.formats import html, markdown

    model = load_model(demo_model_path)
    page = markdown.export(model)["personal-data.md"]
    for subject in ("crm.members", "crm.employees", "catalog.people"):
        assert f"## {markdown.text(subject)}" in page
    assert "crm.members.email → crm.active\\_members.email" in page
    site = html.export(model, svg_diagrams=False)["index.html"]
    assert 'id="personal-data"' in site and "<h2>crm.members</h2>" in site


@pytest.mark.parametrize(("expression", "transform"), [
    ("email", "copy"), ("md5(lower(email))", "hash"), ("sha256(email)", "hash"), ("hash(email)", "hash"),
    ("count(DISTINCT email)", "aggregate"), ("max(email)", "other"), ("upper(email)", "other"),
    ("(SELECT count(*) FROM crm.members AS m2 WHERE m2.email = m.email)", None),
])
def test_lineage_edges_say_how_the_value_was_transformed(expression, transform):
    from datamodeler.lineage.catalog import CatalogIndex
    from datamodeler.lineage.extract import StatementAnalyzer
    from datamodeler.model import Column, Table

    members = Table(name="crm.members", columns=[Column(name="member_id", type="INTEGER"), Column(name="email", type="VARCHAR")])
    analyzer = StatementAnalyzer(CatalogIndex.from_tables([members]), "duckdb")
    result = analyzer.analyze(f"CREATE TABLE marts.x AS SELECT member_id, {expression} AS v FROM crm.members AS m GROUP BY member_id, email")
    assert result.failure is None
    assert result.transforms.get(("crm.members.email", "marts.x.v")) == transform
    assert result.transforms[("crm.members.member_id", "marts.x.member_id")] == "copy"


def test_the_privacy_package_never_talks_to_an_llm():
    import ast

    package = Path(__file__).resolve().parents[1] / "datamodeler" / "privacy"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any("llm" in n or "openai" in n for n in names), f"{path.name} imports {names}"
