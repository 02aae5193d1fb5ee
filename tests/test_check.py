"""`datamodeler check`: joins replayed against the relationships, documentation coverage, contradictions."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from datamodeler.check import check_model, find_contradictions, measure_documentation
from datamodeler.cli import app
from datamodeler.model import Column, ColumnProfile, DataModel, Evidence, JoinStat, Relationship, SourceInfo, Table
from datamodeler.querylog import read_logs
from datamodeler.sources.base import LoggedQuery
from datamodeler.store import load_model, save_model

runner = CliRunner()


def table(name, *columns, pk=("id",), **extra):
    return Table(name=name, primary_key=list(pk), columns=[Column(name=c, type="INTEGER") for c in columns], **extra)


def rel(child, child_columns, parent, parent_columns, status, **extra):
    return Relationship(child_table=child, child_columns=child_columns, parent_table=parent, parent_columns=parent_columns,
                        status=status, **extra)


@pytest.fixture()
def shop():
    """Members, orders, products, regions; order lines with shipments keyed by (order_id, line_no)."""
    tables = [
        table("s.members", "id", "name"),
        table("s.orders", "id", "member_id", "product_id", "region_code"),
        table("s.products", "id"),
        table("s.regions", "code", pk=("code",)),
        table("s.lines", "order_id", "line_no", pk=("order_id", "line_no")),
        table("s.shipments", "id", "order_id", "line_no"),
    ]
    relationships = [
        rel("s.orders", ["member_id"], "s.members", ["id"], "verified"),
        rel("s.orders", ["product_id"], "s.products", ["id"], "plausible"),
        rel("s.orders", ["region_code"], "s.regions", ["code"], "rejected"),
        rel("s.shipments", ["line_no", "order_id"], "s.lines", ["line_no", "order_id"], "accepted"),
    ]
    return DataModel(source=SourceInfo(url="duckdb:///shop.duckdb", dialect="duckdb", scanned_at="2024-01-01T00:00:00Z"),
                     tables=tables, relationships=relationships)


SHOP_LOG = [
    # the parent on the left: orientation does not matter
    LoggedQuery("SELECT m.name, COUNT(*) FROM s.members m JOIN s.orders o ON m.id = o.member_id GROUP BY m.name", count=5),
    LoggedQuery("SELECT o.id FROM s.orders o JOIN s.products p ON o.product_id = p.id", count=3),
    LoggedQuery("SELECT o.id FROM s.orders o JOIN s.regions r ON o.region_code = r.code", count=2),
    LoggedQuery("SELECT o.id FROM s.orders o JOIN s.lines l ON l.order_id = o.id", count=1),
    # composite: both column pairs, in another order than the relationship lists them
    LoggedQuery("SELECT * FROM s.shipments sh JOIN s.lines l ON sh.order_id = l.order_id AND sh.line_no = l.line_no", count=4),
    # half of the composite key is not the relationship
    LoggedQuery("SELECT * FROM s.shipments sh JOIN s.lines l ON sh.order_id = l.order_id", count=1),
]


def verdicts(report):
    return {j.label: (j.verdict, j.count) for j in report.joins.joins}


def test_each_join_gets_the_verdict_of_the_relationship_over_its_columns(shop):
    report = check_model(shop, SHOP_LOG)
    assert verdicts(report) == {
        "s.members.id = s.orders.member_id": ("explained", 5),
        "s.orders.product_id = s.products.id": ("plausible", 3),
        "s.orders.region_code = s.regions.code": ("contradicted", 2),
        "s.lines.order_id = s.orders.id": ("unexplained", 1),
        "s.lines.line_no,order_id = s.shipments.line_no,order_id": ("explained", 4),
        "s.lines.order_id = s.shipments.order_id": ("unexplained", 1),
    }
    assert report.joins.executions == {"explained": 9, "plausible": 3, "contradicted": 2, "unexplained": 2}
    assert report.explained_share == round(9 / 16, 4)
    assert report.joins.source == "query_log" and report.joins.queries.total == 16


def test_unexplained_joins_are_listed_most_executed_first_with_an_example(shop):
    missed = check_model(shop, SHOP_LOG).joins.unexplained()
    assert [(j.verdict, j.label) for j in missed] == [
        ("contradicted", "s.orders.region_code = s.regions.code"),
        ("unexplained", "s.lines.order_id = s.orders.id"),
        ("unexplained", "s.lines.order_id = s.shipments.order_id"),
    ]
    assert missed[0].relationship == shop.relationships[2].id
    assert "s.regions" in missed[0].example_sql and "'" not in missed[0].example_sql


def test_the_strongest_status_wins_when_both_orientations_are_recorded(shop):
    shop.relationships.append(rel("s.products", ["id"], "s.orders", ["product_id"], "verified"))
    assert verdicts(check_model(shop, SHOP_LOG))["s.orders.product_id = s.products.id"] == ("explained", 3)


def test_without_a_log_the_models_own_joins_are_judged(shop):
    shop.joins = [JoinStat(left_table="s.members", left_columns=["id"], right_table="s.orders", right_columns=["member_id"], count=8),
                  JoinStat(left_table="s.lines", left_columns=["order_id"], right_table="s.orders", right_columns=["id"], count=2)]
    report = check_model(shop)
    assert report.joins.source == "model"
    assert report.explained_share == 0.8
    assert report.below(0.9) and not report.below(0.8) and not report.below(None)


def test_no_joins_means_no_share_and_a_failed_gate(shop):
    report = check_model(shop, [LoggedQuery("SELECT id FROM s.members")])
    assert report.explained_share is None and report.below(1.0) and not report.below(None)
    assert "no join to explain" in report.gate_failure(0.5)
    assert report.to_dict()["joins"]["shares"]["explained"] is None


def test_documentation_coverage_by_source():
    tables = [
        Table(name="a", description="Accounts", description_source="human",
              columns=[Column(name="id", type="INT", description="key", description_source="llm"),
                       Column(name="x", type="INT", comment="from the catalog"), Column(name="y", type="INT")]),
        Table(name="b", comment="B rows", columns=[Column(name="id", type="INT", description="hand-edited")]),
        Table(name="c", columns=[]),
    ]
    coverage = measure_documentation(DataModel(source=SourceInfo(url="u", dialect="duckdb", scanned_at="t"), tables=tables))
    assert (coverage.tables_documented, coverage.tables, coverage.table_sources) == (2, 3, {"comment": 1, "human": 1})
    assert (coverage.columns_documented, coverage.columns) == (3, 4)
    assert coverage.column_sources == {"comment": 1, "llm": 1, "unspecified": 1}
    assert coverage.to_dict()["column_share"] == 0.75


def contradictions_of(model):
    return sorted((c.kind, c.subject) for c in find_contradictions(model))


def test_relationships_whose_evidence_disagrees_are_contradictions(shop):
    low = rel("s.orders", ["id"], "s.lines", ["order_id"], "verified", evidence=[Evidence(kind="inclusion", ratio=0.62)])
    orphans = rel("s.shipments", ["order_id"], "s.orders", ["id"], "declared", orphan_rate=0.25)
    accepted = rel("s.orders", ["product_id"], "s.regions", ["code"], "accepted",
                   evidence=[Evidence(kind="value_range", ratio=0.0, detail="child 1..9 outside parent 100..200")])
    gone_table = rel("s.refunds", ["order_id"], "s.orders", ["id"], "verified")
    gone_column = rel("s.orders", ["coupon_id"], "s.products", ["id"], "plausible")
    weak_but_plausible = rel("s.shipments", ["id"], "s.products", ["id"], "plausible", evidence=[Evidence(kind="inclusion", ratio=0.4)])
    rejected_and_gone = rel("s.refunds", ["x"], "s.nowhere", ["id"], "rejected")
    shop.relationships = [low, orphans, accepted, gone_table, gone_column, weak_but_plausible, rejected_and_gone]
    assert contradictions_of(shop) == sorted([
        ("low_inclusion", low.id), ("orphans", orphans.id), ("disjoint_values", accepted.id),
        ("missing_table", gone_table.id), ("missing_column", gone_column.id),
    ])
    detail = next(c.detail for c in find_contradictions(shop) if c.kind == "low_inclusion")
    assert detail == "verified, but only 62.0% of child values are found in the parent"


def test_a_primary_key_the_profile_says_is_not_unique_is_a_contradiction(shop):
    shop.relationships = []
    members = shop.table("s.members")
    members.columns[0].profile = ColumnProfile(rows=100, distinct_count=90, null_count=0)
    lines = shop.table("s.lines")  # composite key: one column repeating is expected
    lines.columns[0].profile = ColumnProfile(rows=100, distinct_count=10, null_count=0)
    shop.table("s.products").columns[0].profile = ColumnProfile(rows=100, distinct_count=100, null_count=0, sampled=True)
    shop.table("s.regions").columns[0].profile = ColumnProfile(rows=100, distinct_count=97, null_count=3)
    shop.table("s.orders").primary_key = ["order_key"]
    assert contradictions_of(shop) == [("missing_column", "s.orders"), ("primary_key_not_unique", "s.members"),
                                       ("primary_key_nulls", "s.regions")]
    detail = {c.kind: c.detail for c in find_contradictions(shop)}
    assert detail["primary_key_not_unique"] == "90 distinct of 100 non-null values"
    assert detail["primary_key_nulls"] == "code has 3 null value(s)"


def test_report_is_plain_data(shop):
    data = json.loads(json.dumps(check_model(shop, SHOP_LOG).to_dict()))
    assert set(data) == {"explained_share", "joins", "documentation", "contradictions", "unlinked_personal"}
    assert data["joins"]["unexplained"][0]["label"] == "s.orders.region_code = s.regions.code"
    assert data["joins"]["distinct"] == {"explained": 2, "plausible": 1, "contradicted": 1, "unexplained": 2}


# -- the demo warehouse -------------------------------------------------------------------------


def test_the_demo_log_is_mostly_explained_and_its_non_key_joins_are_listed(demo_model_file, demo_paths):
    report = check_model(load_model(demo_model_file), read_logs(demo_paths.query_logs))
    assert report.explained_share >= 0.9
    missed = {(j.left_table, j.right_table) for j in report.joins.unexplained()}
    assert ("events.impressions", "events.playback_sessions") in missed
    assert all(j.verdict == "explained" for j in report.joins.joins if (j.left_table, j.right_table) == ("catalog.titles", "events.playback_sessions"))
    assert report.contradictions == []
    assert report.documentation.tables == len(load_model(demo_model_file).tables)


def test_the_demo_replayed_from_the_log_matches_the_recorded_joins(demo_model_file, demo_paths):
    model = load_model(demo_model_file)
    for join in model.joins:  # the recorded joins include the crawled views' definitions; the replay reads the log only
        join.count -= sum(q.startswith("view:") for q in join.queries)
    model.joins = [j for j in model.joins if j.count]
    from_log, recorded = check_model(model, read_logs(demo_paths.query_logs)), check_model(model)
    assert from_log.joins.executions == recorded.joins.executions


def test_cli_json(demo_model_file, demo_paths):
    result = runner.invoke(app, ["check", "--model", str(demo_model_file), "-q", str(demo_paths.query_logs[0]), "-q", str(demo_paths.query_logs[1]), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["explained_share"] >= 0.9 and data["joins"]["source"] == "query_log"


def test_cli_exits_3_below_the_minimum_explained_share(demo_model_file):
    result = runner.invoke(app, ["check", "--model", str(demo_model_file), "--min-explained", "1.0"])
    assert result.exit_code == 3
    assert "joins explained" in result.stdout and "events.impressions" in result.stdout
    assert runner.invoke(app, ["check", "--model", str(demo_model_file), "--min-explained", "0.5"]).exit_code == 0


def test_cli_exits_3_when_there_was_no_join_to_explain(tmp_path, demo_model_file):
    log = tmp_path / "no_joins.sql"
    log.write_text("select 1;\n")
    result = runner.invoke(app, ["check", "--model", str(demo_model_file), "-q", str(log), "--min-explained", "0.9"])
    assert result.exit_code == 3
    assert "no join to explain" in result.stderr


def test_cli_errors_are_one_line(tmp_path, demo_model_file):
    missing = runner.invoke(app, ["check", "--model", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: no model file") and missing.stderr.count("\n") == 1
    no_log = runner.invoke(app, ["check", "--model", str(demo_model_file), "-q", str(tmp_path / "nope.sql")])
    assert no_log.exit_code == 1 and no_log.stderr.startswith("Error: query log") and no_log.stderr.count("\n") == 1
    assert runner.invoke(app, ["check", "--model", str(demo_model_file), "--min-explained", "2"]).exit_code == 2


def test_check_leaves_the_model_file_alone(tmp_path, shop):
    path = tmp_path / "m.json"
    save_model(shop, path)
    before = path.read_text()
    assert runner.invoke(app, ["check", "--model", str(path)]).exit_code == 0
    assert path.read_text() == before
