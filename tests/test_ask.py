"""ask: schema linking, join paths over verified relationships, the SQL gate, --run on the real demo DuckDB, the CLI."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from typer.testing import CliRunner

from datamodeler.ask import AskOptions, ask_question
from datamodeler.ask.generate import MAX_REPAIRS, skeleton_sql
from datamodeler.ask.guard import guard_sql
from datamodeler.ask.linking import link_question, stem
from datamodeler.ask.plan import plan_query, read_intent
from datamodeler.cli import app
from datamodeler.errors import UnsafeSQLError
from datamodeler.model import ASSERTED_STATUSES, Column, ColumnProfile, DataModel, SourceInfo, Table

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "weekly impressions per country"


@pytest.fixture()
def demo_model_path(demo_model_file) -> Path:
    """The session's scanned demo (no LLM), see tests/conftest.py."""
    return demo_model_file


@pytest.fixture(autouse=True)
def no_llm_configured(monkeypatch, tmp_path):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DATAMODELER_LLM_BASE_URL", "DATAMODELER_LLM_API_KEY", "DATAMODELER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray datamodeler.toml


# -- linking and planning on the demo ------------------------------------------------------------


def test_linking_ranks_the_measured_table_and_the_grouping_table(demo_model):
    linking = link_question(QUESTION, demo_model)
    top = [t.name for t in linking.top(5)]
    assert {"events.impressions", "catalog.countries"} <= set(top[:3])
    assert "crm.members" in top  # holds country_code
    impressions = linking.table("events.impressions")
    assert any("table name" in reason for reason in impressions.reasons)


def test_words_are_stemmed_and_split():
    assert stem("impressions") == stem("impression")
    model = DataModel(source=SourceInfo(url="x", dialect="sqlite", scanned_at="now"), tables=[
        Table(name="countrylanguage", columns=[Column(name="Language", type="TEXT"), Column(name="CountryCode", type="TEXT")]),
        Table(name="country", columns=[Column(name="Code", type="TEXT"), Column(name="Name", type="TEXT")]),
        Table(name="city", columns=[Column(name="Name", type="TEXT")]),
    ])
    assert link_question("Which languages are spoken in each country?", model).tables[0].name == "countrylanguage"


def test_value_hints_skip_pii_columns():
    people = Table(name="people", columns=[
        Column(name="full_name", type="TEXT", pii="name", profile=ColumnProfile(top_values=["Alice Smith"])),
        Column(name="kind", type="TEXT", profile=ColumnProfile(top_values=["premium"])),
    ])
    model = DataModel(source=SourceInfo(url="x", dialect="duckdb", scanned_at="now"), tables=[people, Table(name="other")])
    hits = [c.reason for c in link_question("premium customers called alice smith", model).table("people").columns]
    assert "value 'premium' in kind" in hits
    assert not any("Alice" in reason for reason in hits)


def test_intent_reads_measure_groups_and_grain():
    intent = read_intent(QUESTION)
    assert (intent.measure, intent.groups, intent.grain) == ("count", ("country",), "week")
    assert read_intent("average rating by genre and device type").groups == ("genre", "device type")
    assert read_intent("how many members signed up per month").grain == "month"


def test_join_path_runs_over_verified_relationships(demo_model):
    plan = plan_query(QUESTION, demo_model)
    assert plan.anchor == "events.impressions"
    assert plan.tables == ["events.impressions", "crm.profiles", "crm.members", "catalog.countries"]
    assert all(step.status in ASSERTED_STATUSES for step in plan.join_path)
    assert not plan.uses_plausible
    assert plan.group_columns == [("catalog.countries", "country_name")]
    assert plan.time_column == ("events.impressions", "imp_ts")


def test_plausible_relationships_are_used_only_when_nothing_else_connects(demo_model):
    for rel in demo_model.relationships:
        if rel.parent_table == "catalog.countries":  # nothing verified reaches countries any more
            rel.status = "plausible"
    plan = plan_query("members per country", demo_model)
    assert plan.uses_plausible
    assert any("plausible" in note for note in plan.notes)
    assert not ask_question("members per country", demo_model).verified


def test_skeleton_parses_qualifies_is_select_only_and_limited(demo_model):
    answer = ask_question(QUESTION, demo_model)
    assert answer.runnable and answer.verified and answer.generated_by == "skeleton"
    assert answer.notes[0].startswith("no LLM configured")
    tree = sqlglot.parse_one(answer.sql, read="duckdb")
    assert isinstance(tree, exp.Select)
    assert tree.args["limit"].expression.this == "100"
    assert tree.find(exp.TimestampTrunc) is not None and tree.args.get("group")
    assert guard_sql(answer.sql, demo_model).sql == answer.sql  # the gate is idempotent


@pytest.mark.parametrize("question", ["monthly revenue by plan", "daily plays by device type", "average rating per genre",
                                      "support tickets by priority", "movies", "list employees"])
def test_demo_questions_give_runnable_sql(demo_model, question):
    answer = ask_question(question, demo_model, AskOptions(run=True, limit=7, force=True))
    assert answer.runnable, answer.notes
    assert 0 < len(answer.rows.rows) <= 7


def test_run_returns_rows_from_the_demo_duckdb(demo_model):
    answer = ask_question(QUESTION, demo_model, AskOptions(run=True, limit=5))
    assert answer.rows.columns == ["week", "country_name", "impressions"]
    assert len(answer.rows.rows) == 5
    assert all(row[2] > 0 for row in answer.rows.rows)
    data = answer.to_dict()
    assert set(data) >= {"question", "tables", "join_path", "sql", "verified", "rows"}
    json.dumps(data)  # dates come back as text


def test_sqlite_time_buckets_use_strftime():
    events = Table(name="events", role="fact", columns=[Column(name="id", type="INTEGER"), Column(name="happened_at", type="TIMESTAMP"),
                                                        Column(name="kind", type="TEXT")])
    model = DataModel(source=SourceInfo(url="sqlite:///x.db", dialect="sqlite", scanned_at="now"), tables=[events])
    sql = skeleton_sql(plan_query("monthly events by kind", model), model)
    assert "STRFTIME" in sql.upper() and "DATE_TRUNC" not in sql.upper()
    guard_sql(sql, model)


# -- the gate ------------------------------------------------------------------------------------

HOSTILE = [
    "DELETE FROM crm.members",
    "UPDATE crm.members SET email = NULL",
    "DROP TABLE crm.members",
    "WITH gone AS (DELETE FROM crm.members RETURNING *) SELECT * FROM gone",
    "WITH x AS (SELECT 1) INSERT INTO crm.plans SELECT * FROM crm.plans",
    "SELECT 1; DROP TABLE crm.members",
    "SELECT * FROM crm.members; -- harmless?\nDELETE FROM crm.members",
    "SELECT 1 /* hide */; DELETE FROM crm.members",
    "SELECT * FROM crm.members --\n; DROP TABLE x",
    "COPY crm.members TO '/tmp/members.csv'",
    "COPY (SELECT * FROM crm.members) TO '/tmp/m.parquet' (FORMAT PARQUET)",
    "ATTACH '/tmp/evil.duckdb' AS evil",
    "INSERT INTO crm.plans SELECT * FROM crm.plans",
    "CREATE TABLE t AS SELECT * FROM crm.members",
    "PRAGMA table_info('crm.members')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_parquet('s3://bucket/x.parquet')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT * FROM glob('/*')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET memory_limit = '1GB'",
    "SELECT * INTO stolen FROM crm.members",
    "SELECT * FROM crm.members FOR UPDATE",
    "CALL pragma_version()",
    "EXPORT DATABASE '/tmp/dump'",
    "SELECT nope FROM crm.members",
    "SELECT * FROM no_such_table",
    "SELECT * FROM other_db.crm.members",
    "",
    "   ",
    "SELEC 1",
]


@pytest.mark.parametrize("sql", HOSTILE)
def test_gate_refuses_hostile_sql(demo_model, sql):
    with pytest.raises(UnsafeSQLError) as caught:
        guard_sql(sql, demo_model)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("sql", "limit", "expected"), [
    ("select region, count(*) from catalog.countries group by 1", 100, 100),
    ("select * from crm.plans limit 5", 100, 5),
    ("select * from crm.plans limit 5000", 50, 50),
    ("with m as (select * from crm.members) select country_code from m", 10, 10),
    ("select imp_id from events.impressions union all select session_id from events.playback_sessions", 3, 3),
    ('select "ratingValue" from events.ratings', 1, 1),
    ("select * from countries", 2, 2),  # a unique short name is pinned to its schema
])
def test_gate_accepts_selects_and_caps_the_limit(demo_model, sql, limit, expected):
    guarded = guard_sql(sql, demo_model, limit)
    tree = sqlglot.parse_one(guarded.sql, read="duckdb")
    assert int(tree.args["limit"].expression.this) == expected
    assert all(t.db for t in tree.find_all(exp.Table) if t.name != "m")


# -- LLM generation with repair --------------------------------------------------------------------


class ScriptedLLM:
    """A chat model that answers from a script and records what it was sent."""

    def __init__(self, answers):
        self.answers, self.calls = list(answers), []

    def complete_json(self, messages, schema_name):
        self.calls.append((messages, schema_name))
        return {"sql": self.answers.pop(0)}


def test_llm_sql_is_repaired_with_the_gate_error(demo_model):
    good = "select c.country_name, count(*) from crm.members m join catalog.countries c on m.country_code = c.iso_code group by 1"
    llm = ScriptedLLM(["DELETE FROM crm.members", "select nope from crm.members", good])
    answer = ask_question("members per country", demo_model, AskOptions(llm=llm, limit=10))
    assert answer.generated_by == "llm" and answer.runnable
    assert len(llm.calls) == 1 + MAX_REPAIRS
    assert "refused" in llm.calls[1][0][-1]["content"] and "DELETE" in llm.calls[1][0][-1]["content"]
    assert answer.sql.rstrip().endswith("LIMIT 10")


def test_llm_sql_refused_every_time_falls_back_to_the_skeleton(demo_model):
    llm = ScriptedLLM(["DROP TABLE crm.members"] * (1 + MAX_REPAIRS))
    answer = ask_question("members per country", demo_model, AskOptions(llm=llm))
    assert answer.generated_by == "skeleton" and answer.runnable
    assert any(f"failed after {MAX_REPAIRS} repairs" in note for note in answer.notes)
    assert [a["stage"] for a in answer.to_dict()["attempts"]] == ["gate"] * (1 + MAX_REPAIRS)


def test_llm_prompt_carries_no_profiled_values(demo_model):
    llm = ScriptedLLM(["select 1"])
    ask_question("members per country", demo_model, AskOptions(llm=llm))
    sent = json.dumps(llm.calls[0][0])
    for table in demo_model.tables:
        for column in table.columns:
            if column.pii and column.profile and column.profile.top_values:
                assert not any(value in sent for value in column.profile.top_values)
    assert "US" not in sent.split("<data>")[1]  # top values of countries are not sent either


# -- CLI -------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_ask_shows_tables_path_and_sql(demo_model_path):
    result = runner.invoke(app, ["ask", QUESTION, "--model", str(demo_model_path)])
    assert result.exit_code == 0, result.output
    assert "no LLM configured" in result.output
    assert "events.impressions" in result.output and "LIMIT 100" in result.output


def test_cli_ask_run_json(demo_model_path):
    result = runner.invoke(app, ["ask", QUESTION, "--model", str(demo_model_path), "--run", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verified"] is True and len(data["rows"]["rows"]) == 3
    assert [step["right_table"] for step in data["join_path"]] == ["crm.profiles", "crm.members", "catalog.countries"]
    assert data["tables"][0]["reasons"]


def test_cli_ask_errors_are_one_line(demo_model_path, tmp_path):
    missing = runner.invoke(app, ["ask", QUESTION, "--model", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and missing.output.count("\n") == 1 and missing.output.startswith("Error: no model file")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert runner.invoke(app, ["ask", QUESTION, "--model", str(broken)]).exit_code == 1
    bad_url = runner.invoke(app, ["ask", QUESTION, "not-a-url", "--model", str(demo_model_path), "--run"])
    assert bad_url.exit_code == 1 and bad_url.output.startswith("Error:")
    assert runner.invoke(app, ["ask", QUESTION, "--model", str(demo_model_path), "--limit", "0"]).exit_code == 2


def test_cli_interactive_prompt_answers_until_an_empty_line(demo_model_path):
    result = runner.invoke(app, ["ask", "--model", str(demo_model_path)], input=f"{QUESTION}\n\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("LIMIT 100") == 1
    ended = runner.invoke(app, ["ask", "--model", str(demo_model_path)], input="")  # Ctrl-D
    assert ended.exit_code == 0


def test_model_file_is_untouched_by_ask(demo_model_path):
    before = demo_model_path.read_bytes()
    runner.invoke(app, ["ask", QUESTION, "--model", str(demo_model_path), "--run"])
    assert demo_model_path.read_bytes() == before


# -- Spider linking recall -----------------------------------------------------------------------


def load_benchmark():
    spec = importlib.util.spec_from_file_location("ask_linking", ROOT / "benchmarks" / "ask_linking.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.shared
def test_spider_dev_gold_tables_reach_the_prompt(datasets):
    if not (datasets / "spider" / "dev.json").exists():
        pytest.skip("Spider dev set not present")
    tallies = load_benchmark().evaluate("spider", datasets)["all"]
    assert tallies.questions > 1000
    assert tallies.sent / tallies.questions >= 0.98
    assert tallies.ranked / tallies.questions >= 0.95  # the ranked selection alone, as if the schema did not fit


def test_cli_ask_with_the_real_openai_client_against_a_local_server(demo_model_path, monkeypatch):
    """The configured endpoint writes the SQL (through datamodeler.llm.client and the openai package); a refusal is
    repaired; the repaired SQL passes the gate and a dry run on the demo DuckDB, so it is checked and runs without --force."""
    pytest.importorskip("datamodeler.llm.client")
    llm_server = pytest.importorskip("tests.llm_server")
    good = "select c.region, count(*) as members from crm.members m join catalog.countries c on m.country_code = c.iso_code group by 1"
    replies = iter([json.dumps({"sql": "DROP TABLE crm.members"}), json.dumps({"sql": good})])
    with llm_server.LLMServer(lambda request: llm_server.Reply(content=next(replies))) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        result = runner.invoke(app, ["ask", "members per region", "--model", str(demo_model_path), "--run", "--json"])
        sent = server.bodies if hasattr(server, "bodies") else []
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["generated_by"] == "llm" and data["verified"] is True and data["label"] == "checked"
    assert [a.get("stage") for a in data["attempts"]] == ["gate", None] and data["tokens"]["total_tokens"] == 4
    assert {tuple(row)[0] for row in data["rows"]["rows"]} >= {"Europe"}
    assert all("@" not in str(body) for body in sent)  # no sampled PII (emails) in any request


# -- scale: families, value index, prompt budget; labels and join meaning --------------------------


def _model(*tables: Table, relationships=()) -> DataModel:
    return DataModel(source=SourceInfo(url="x", dialect="sqlite", scanned_at="now"), tables=list(tables), relationships=list(relationships))


def test_date_shards_and_copies_are_ranked_as_one_family():
    from datamodeler.ask.families import table_families

    families = table_families(["events_20240101", "events_20240102", "orders", "orders_backup", "orders_v2", "customers"])
    assert families == {"events_20240102": ["events_20240101", "events_20240102"],
                        "orders": ["orders", "orders_backup", "orders_v2"], "customers": ["customers"]}
    shards = [Table(name=f"events_2024010{d}", columns=[Column(name="event_type", type="TEXT")]) for d in range(1, 8)]
    linking = link_question("events by type", _model(*shards, Table(name="users", columns=[Column(name="type", type="TEXT")])))
    assert [t.name for t in linking.tables[:2]] == ["events_20240107", "users"]
    assert "events_20240101" in linking.sent_tables()


def test_a_table_named_only_through_a_value_is_linked_and_pii_values_are_not_indexed():
    from datamodeler.ask.values import build_value_index

    status = Column(name="status", type="TEXT", profile=ColumnProfile(distinct_count=3, top_values=["shipped", "returned"]))
    email = Column(name="email", type="TEXT", pii="email", profile=ColumnProfile(distinct_count=3, top_values=["bob smith"]))
    model = _model(Table(name="shipments", columns=[Column(name="id", type="INT"), status]),
                   Table(name="contacts", columns=[email]), Table(name="products", columns=[Column(name="title", type="TEXT")]))
    assert "bob smith" not in build_value_index(model).phrases
    linking = link_question("products returned last week", model, budget_tokens=20)  # the schema takes 21
    assert "shipments" in linking.sent and not linking.whole_schema
    assert not any("bob" in r for t in link_question("what did bob smith buy", model).tables for r in t.reasons)


def test_the_whole_schema_is_sent_when_it_fits_the_budget(monkeypatch):
    from datamodeler.config import load_settings

    model = _model(Table(name="orders", columns=[Column(name="id", type="INT")]), Table(name="audit", columns=[Column(name="x", type="INT")]))
    assert set(link_question("orders", model).sent) == {"orders", "audit"}  # the default budget holds both
    assert link_question("orders", model, budget_tokens=5).sent == ["orders"]
    monkeypatch.setenv("DATAMODELER_ASK_PROMPT_BUDGET", "123")
    assert load_settings().ask.prompt_budget_tokens == 123


def test_two_relationships_between_the_same_tables_are_chosen_by_the_question_words():
    from datamodeler.model import Relationship

    employees = Table(name="employees", primary_key=["employee_id"], columns=[
        Column(name="employee_id", type="INT"), Column(name="department_id", type="INT"), Column(name="name", type="TEXT")])
    departments = Table(name="departments", primary_key=["department_id"], columns=[
        Column(name="department_id", type="INT"), Column(name="manager_id", type="INT"), Column(name="department_name", type="TEXT")])
    rels = [Relationship(child_table="employees", child_columns=["department_id"], parent_table="departments",
                         parent_columns=["department_id"], status="declared"),
            Relationship(child_table="departments", child_columns=["manager_id"], parent_table="employees",
                         parent_columns=["employee_id"], status="declared")]
    plan = plan_query("number of employees per department", _model(employees, departments, relationships=rels))
    assert [(s.left_columns, s.right_columns) for s in plan.join_path] == [(("department_id",), ("department_id",))]
    assert any("manager_id" in note for note in plan.notes)


def test_drafts_say_what_they_need_and_run_only_with_force(demo_model, demo_model_path):
    answer = ask_question("which members are older than 30", demo_model)
    assert answer.label == "draft" and answer.to_dict()["label"] == "draft"
    assert any("comparisons" in need for need in answer.to_dict()["needs"])
    with pytest.raises(UnsafeSQLError, match="draft"):
        ask_question("which members are older than 30", demo_model, AskOptions(run=True))
    refused = runner.invoke(app, ["ask", "which members are older than 30", "--model", str(demo_model_path), "--run"])
    assert refused.exit_code == 1 and "--force" in refused.output
    forced = runner.invoke(app, ["ask", "which members are older than 30", "--model", str(demo_model_path), "--run", "--force", "--json"])
    assert forced.exit_code == 0 and json.loads(forced.stdout)["label"] == "draft"


@pytest.mark.parametrize(("question", "order", "limit"), [
    ("top 5 customers by sales", "DESC", 5),
    ("bottom 2 customers by sales", "ASC", 2),
    ("the names of the three largest sales customers", "DESC", 3),
    ("What is the name of the customer with the highest sales?", "DESC", 1),
])
def test_top_n_orders_by_the_named_column_and_limits(question, order, limit):
    customers = Table(name="customers", primary_key=["customer_id"], columns=[
        Column(name="customer_id", type="INTEGER"), Column(name="name", type="TEXT"), Column(name="sales", type="REAL")])
    answer = ask_question(question, _model(customers), AskOptions(use_llm=False))
    tree = sqlglot.parse_one(answer.sql, read="sqlite")
    assert answer.label == "confident", answer.needs
    assert [c.name for c in tree.expressions] == ["name"]
    ordered = tree.args["order"].expressions[0]
    assert ordered.this.name == "sales" and bool(ordered.args.get("desc")) == (order == "DESC")
    assert int(tree.args["limit"].expression.this) == limit


def test_top_n_is_a_draft_when_the_ranking_is_not_a_column_or_ranks_groups():
    customers = Table(name="customers", primary_key=["customer_id"], columns=[
        Column(name="customer_id", type="INTEGER"), Column(name="name", type="TEXT"), Column(name="segment", type="TEXT")])
    for question in ("top 3 customers by segment", "the 3 segments with the most customers", "top 2 segments by number of customers"):
        assert ask_question(question, _model(customers), AskOptions(use_llm=False)).label == "draft", question
