"""Table roles and business entities: rules on small hand-built models (no database), then the demo scan."""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from datamodeler.discovery.entities import assign_roles, group_entities
from datamodeler.model import Column, DataModel, LineageEdge, QueryShape, QueryStats, Relationship, SourceInfo, Table

TRUTH = json.loads((Path(__file__).resolve().parents[1] / "examples" / "streaming" / "relationships.json").read_text())
SOURCE = SourceInfo(url="duckdb:///w.duckdb", dialect="duckdb", scanned_at="2025-01-01T00:00:00+00:00")


def table(name: str, columns: str, key: str = "", rows: int | None = None, kind: str = "table", view_sql: str | None = None) -> Table:
    """``columns`` as ``"id int, amount decimal, paid_at timestamp"``; ``key`` as ``"a, b"``."""
    cols = [Column(name=part.split()[0], type=part.split()[1]) for part in columns.split(",") if part.strip()]
    return Table(name=name, kind=kind, columns=cols, primary_key=[k.strip() for k in key.split(",") if k.strip()],
                 row_count=rows, view_sql=view_sql)


def ref(child: str, column: str, parent: str, parent_column: str, cardinality: str = "N:1") -> Relationship:
    columns = column.split("+")
    return Relationship(child_table=child, child_columns=columns, parent_table=parent,
                        parent_columns=parent_column.split("+"), cardinality=cardinality, status="verified")


def model_of(tables: list[Table], relationships: list[Relationship], lineage: list[LineageEdge] | None = None,
             shapes: list[QueryShape] | None = None) -> DataModel:
    model = DataModel(source=SOURCE, tables=tables, relationships=relationships, lineage=lineage or [],
                      queries=QueryStats(shapes=shapes or []))
    assign_roles(model, model.relationships)
    model.entities = group_entities(model, model.relationships)
    return model


def roles(model: DataModel) -> dict[str, str | None]:
    return {t.name: t.role for t in model.tables}


def groups(model: DataModel) -> dict[str, list[str]]:
    return {e.name: e.tables for e in model.entities}


def entity_of(model: DataModel, name: str) -> str | None:
    found = [e.name for e in model.entities if name in e.tables]
    assert len(found) <= 1, f"{name} is in {found}"
    return found[0] if found else None


def assert_each_table_once(model: DataModel) -> None:
    counts = Counter(t for e in model.entities for t in e.tables)
    assert [t for t, n in counts.items() if n > 1] == []
    for e in model.entities:
        assert e.sources and e.description
        for name in e.tables:
            assert model.table(name).entity == e.name


def streaming() -> DataModel:
    """A small streaming service: members (hub) with subscriptions/payments, a plans lookup, profiles (hub) with
    devices, titles (hub) with seasons/episodes, a genres lookup with a bridge, people with a credits bridge, an
    events schema of facts, marts built by CTAS (one 1:1, one from the facts) and a MERGE/UPDATE target."""
    tables = [
        table("crm.plans", "plan_id int, plan_name varchar, monthly_price decimal", "plan_id", rows=4),
        table("catalog.countries", "iso_code varchar, country_name varchar", "iso_code", rows=20),
        table("crm.members", "member_id int, email varchar, full_name varchar, country_code varchar, signup_date date", "member_id", rows=20000),
        table("crm.subscriptions", "subscription_id int, member_id int, plan_id int, started_on date, status varchar", "subscription_id", rows=26000),
        table("crm.payments", "payment_id bigint, subscription_id int, amount decimal, paid_at timestamp", "payment_id", rows=246000),
        table("crm.profiles", "id int, member_id int, profile_name varchar", "id", rows=50000),
        table("crm.devices", "device_id int, profile_ref int, device_type varchar", "device_id", rows=75000),
        table("crm.employees", "employee_id int, full_name varchar, work_email varchar", "employee_id", rows=240),
        table("crm.support_tickets", "ticket_id int, member_id int, assigned_to int, opened_at timestamp", "ticket_id", rows=12000),
        table("catalog.genres", "genre_id int, genre_name varchar", "genre_id", rows=18),
        table("catalog.titles", "title_sk int, title_name varchar, primary_genre_id int, release_year int", "title_sk", rows=4000),
        table("catalog.seasons", "title_sk int, season_number int, premiere_date date", "title_sk, season_number", rows=4000),
        table("catalog.episodes", "episode_sk int, title_sk int, season_number int, runtime_min int, air_date date", "episode_sk", rows=40000),
        table("catalog.title_genres", "title_sk int, genre_id int, is_primary boolean", "title_sk, genre_id", rows=8000),
        table("catalog.people", "person_id int, full_name varchar, birth_date date", "person_id", rows=9000),
        table("catalog.credits", "title_sk int, person_id int, credit_role varchar, billing_order smallint, character_name varchar",
              "title_sk, person_id", rows=26000),
        table("events.impressions", "imp_id bigint, profile_id int, title_sk int, imp_ts timestamp, imp_position int", "imp_id", rows=1200000),
        table("events.playback_sessions", "session_id bigint, profile_ref int, title_sk int, episode_sk int, device_id int, "
              "started_at timestamp, watched_sec int", "session_id", rows=250000),
        table("events.ratings", "profile_id int, title_id int, rating_value tinyint, rated_at timestamp", "profile_id, title_id", rows=70000),
        table("marts.member_ltv", "member_id int, payments bigint, lifetime_value decimal", "member_id", rows=19000),
        table("marts.daily_title_views", "view_date date, title_sk int, sessions bigint, minutes double", "view_date, title_sk", rows=200000),
    ]
    relationships = [
        ref("crm.members", "country_code", "catalog.countries", "iso_code"),
        ref("crm.subscriptions", "member_id", "crm.members", "member_id"),
        ref("crm.subscriptions", "plan_id", "crm.plans", "plan_id"),
        ref("crm.payments", "subscription_id", "crm.subscriptions", "subscription_id"),
        ref("crm.profiles", "member_id", "crm.members", "member_id"),
        ref("crm.devices", "profile_ref", "crm.profiles", "id"),
        ref("crm.support_tickets", "member_id", "crm.members", "member_id"),
        ref("crm.support_tickets", "assigned_to", "crm.employees", "employee_id"),
        ref("catalog.titles", "primary_genre_id", "catalog.genres", "genre_id"),
        ref("catalog.seasons", "title_sk", "catalog.titles", "title_sk"),
        ref("catalog.episodes", "title_sk+season_number", "catalog.seasons", "title_sk+season_number"),
        ref("catalog.episodes", "title_sk", "catalog.titles", "title_sk"),
        ref("catalog.title_genres", "title_sk", "catalog.titles", "title_sk"),
        ref("catalog.title_genres", "genre_id", "catalog.genres", "genre_id"),
        ref("catalog.credits", "title_sk", "catalog.titles", "title_sk"),
        ref("catalog.credits", "person_id", "catalog.people", "person_id"),
        ref("events.impressions", "profile_id", "crm.profiles", "id"),
        ref("events.impressions", "title_sk", "catalog.titles", "title_sk"),
        ref("events.playback_sessions", "profile_ref", "crm.profiles", "id"),
        ref("events.playback_sessions", "title_sk", "catalog.titles", "title_sk"),
        ref("events.playback_sessions", "episode_sk", "catalog.episodes", "episode_sk"),
        ref("events.playback_sessions", "device_id", "crm.devices", "device_id"),
        ref("events.ratings", "profile_id", "crm.profiles", "id"),
        ref("events.ratings", "title_id", "catalog.titles", "title_sk"),
        ref("marts.member_ltv", "member_id", "crm.members", "member_id", "1:1"),
        ref("marts.daily_title_views", "title_sk", "catalog.titles", "title_sk"),
    ]
    shapes = [
        QueryShape(fingerprint="ltv", kind="create_table_as", sql="create table marts.member_ltv as select s.member_id, count(*) as payments, "
                   "sum(p.amount) as lifetime_value from crm.payments p join crm.subscriptions s using (subscription_id) group by 1"),
        QueryShape(fingerprint="dtv", kind="create_table_as", sql="create table marts.daily_title_views as select cast(started_at as date) as view_date, "
                   "title_sk, count(*) as sessions, sum(watched_sec) / 60.0 as minutes from events.playback_sessions group by all"),
        QueryShape(fingerprint="upd", kind="update", sql="update crm.subscriptions as s set status = 'x' from crm.payments p "
                   "where p.subscription_id = s.subscription_id"),
    ]
    lineage = [
        LineageEdge(source="crm.payments", target="marts.member_ltv", kind="table", queries=["ltv"]),
        LineageEdge(source="crm.subscriptions", target="marts.member_ltv", kind="table", queries=["ltv"]),
        LineageEdge(source="crm.payments.amount", target="marts.member_ltv.lifetime_value", kind="derived", queries=["ltv"]),
        LineageEdge(source="crm.subscriptions.member_id", target="marts.member_ltv.member_id", kind="direct", queries=["ltv"]),
        LineageEdge(source="events.playback_sessions", target="marts.daily_title_views", kind="table", queries=["dtv"]),
        LineageEdge(source="events.playback_sessions.started_at", target="marts.daily_title_views.view_date", kind="derived", queries=["dtv"]),
        LineageEdge(source="events.playback_sessions.title_sk", target="marts.daily_title_views.title_sk", kind="direct", queries=["dtv"]),
        LineageEdge(source="events.playback_sessions.watched_sec", target="marts.daily_title_views.minutes", kind="derived", queries=["dtv"]),
        LineageEdge(source="crm.payments", target="crm.subscriptions", kind="table", queries=["upd"]),
    ]
    views = [
        table("crm.active_members", "member_id int, email varchar, plan_name varchar", kind="view",
              view_sql="CREATE VIEW crm.active_members AS SELECT m.member_id, m.email, p.plan_name FROM crm.members AS m "
                       "JOIN crm.subscriptions AS s ON s.member_id = m.member_id JOIN crm.plans AS p ON p.plan_id = s.plan_id "
                       "WHERE s.status = 'active'"),
        table("crm.kids_profiles", "id int, profile_name varchar", kind="view",
              view_sql="CREATE VIEW crm.kids_profiles AS SELECT id, profile_name FROM crm.profiles WHERE profile_name LIKE 'kid%'"),
        table("marts.plays_per_title", "title_sk int, plays bigint", kind="view",
              view_sql="CREATE VIEW marts.plays_per_title AS SELECT title_sk, count(*) AS plays FROM events.playback_sessions GROUP BY title_sk"),
    ]
    return model_of(tables + views, relationships, lineage, shapes)


@pytest.fixture(scope="module")
def shop() -> DataModel:
    return streaming()


# -- roles ---------------------------------------------------------------------------------------


def test_event_table_with_an_amount_and_a_timestamp_is_a_fact(shop):
    assert roles(shop)["crm.payments"] == "fact"
    assert roles(shop)["crm.support_tickets"] == "fact"
    assert roles(shop)["events.impressions"] == "fact"


def test_referenced_tables_are_dimensions(shop):
    for name in ("crm.members", "crm.profiles", "crm.subscriptions", "catalog.titles", "catalog.episodes", "crm.plans"):
        assert roles(shop)[name] == "dimension", name


def test_key_of_two_references_with_link_attributes_is_a_bridge(shop):
    assert roles(shop)["catalog.title_genres"] == "bridge"
    assert roles(shop)["catalog.credits"] == "bridge"  # a role, an order number and a name describe the link


def test_key_of_two_references_with_an_event_timestamp_is_a_fact(shop):
    assert roles(shop)["events.ratings"] == "fact"


def test_line_table_with_several_numbers_is_not_a_bridge():
    model = model_of(
        [table("orders", "id int, customer_id int, ordered_at timestamp, total decimal", "id"),
         table("products", "id int, name varchar", "id"),
         table("order_details", "order_id int, product_id int, unit_price decimal, quantity int, discount real", "order_id, product_id")],
        [ref("order_details", "order_id", "orders", "id"), ref("order_details", "product_id", "products", "id")])
    assert roles(model)["order_details"] == "fact"
    assert roles(model)["orders"] != "dimension"  # referenced only by its own line table
    assert entity_of(model, "order_details") == entity_of(model, "orders") == "Order"


def test_scd_columns_or_history_names_make_history():
    model = model_of(
        [table("customers", "id int, name varchar", "id"),
         table("customer_versions", "customer_id int, name varchar, valid_from date, valid_to date", "customer_id, valid_from"),
         table("price_history", "product_id int, price decimal, changed_on date", "product_id, changed_on")],
        [ref("customer_versions", "customer_id", "customers", "id")])
    assert roles(model)["customer_versions"] == "history"
    assert roles(model)["price_history"] == "history"
    assert entity_of(model, "customer_versions") == "Customer"


def test_ctas_with_group_by_is_an_aggregate(shop):
    assert roles(shop)["marts.member_ltv"] == "aggregate"
    assert roles(shop)["marts.daily_title_views"] == "aggregate"


def test_update_or_plain_merge_target_is_not_an_aggregate(shop):
    assert roles(shop)["crm.subscriptions"] == "dimension"
    merged = model_of(
        [table("raw.customers", "id int, name varchar", "id"), table("core.customers", "id int, name varchar", "id")],
        [], [LineageEdge(source="raw.customers.id", target="core.customers.id", kind="direct", queries=["m"]),
             LineageEdge(source="raw.customers.name", target="core.customers.name", kind="direct", queries=["m"])],
        [QueryShape(fingerprint="m", kind="merge", sql="merge into core.customers as t using raw.customers as s on t.id = s.id "
                    "when matched then update set name = s.name when not matched then insert (id, name) values (s.id, s.name)")])
    assert roles(merged)["core.customers"] == "other"


def test_mart_name_without_build_statements_is_an_aggregate():
    model = model_of([table("sales_daily_summary", "day date, revenue decimal")], [])
    assert roles(model)["sales_daily_summary"] == "aggregate"


def test_views_are_aggregates_only_when_their_sql_aggregates(shop):
    assert roles(shop)["marts.plays_per_title"] == "aggregate"
    assert roles(shop)["crm.active_members"] == "other"  # a filter over three tables
    assert roles(shop)["crm.kids_profiles"] == "dimension"  # a filter over one table takes its role


def test_window_functions_are_not_aggregation():
    model = model_of(
        [table("sales", "id int, amount decimal", "id"),
         table("ranked_sales", "id int, amount decimal, running decimal", kind="view",
               view_sql="CREATE VIEW ranked_sales AS SELECT id, amount, sum(amount) OVER (ORDER BY id) AS running FROM sales")], [])
    assert roles(model)["ranked_sales"] != "aggregate"


# -- entities ------------------------------------------------------------------------------------


def test_every_table_is_in_at_most_one_entity(shop):
    assert_each_table_once(shop)


def test_satellites_and_chains_join_the_hub(shop):
    assert groups(shop)["Member"][:4] == ["crm.active_members", "crm.members", "crm.payments", "crm.subscriptions"]
    assert entity_of(shop, "crm.devices") == "Profile"
    assert {"catalog.seasons", "catalog.episodes"} <= set(groups(shop)["Title"])


def test_lookups_head_their_own_entity_and_do_not_pull_tables(shop):
    assert groups(shop)["Plan"] == ["crm.plans"]
    assert groups(shop)["Country"] == ["catalog.countries"]


def test_table_referencing_two_entities_heads_its_own(shop):
    assert groups(shop)["SupportTicket"] == ["crm.support_tickets"]
    assert groups(shop)["Employee"] == ["crm.employees"]


def test_bridge_joins_one_side_and_keeps_its_many_to_many(shop):
    assert entity_of(shop, "catalog.title_genres") == "Title"  # named after titles; genres is a lookup
    assert entity_of(shop, "catalog.credits") == "Person"  # the only dependant of people
    title = next(e for e in shop.entities if e.name == "Title")
    assert [m.model_dump() for m in title.many_to_many] == [{"bridge": "catalog.title_genres", "between": ["catalog.genres", "catalog.titles"]}]
    assert "bridge" in title.description


def test_facts_that_fill_a_schema_form_one_entity_with_their_aggregates(shop):
    assert groups(shop)["Event"] == ["events.impressions", "events.playback_sessions", "events.ratings", "marts.daily_title_views",
                                     "marts.plays_per_title"]  # the aggregate view reads the facts too
    assert "lineage" in next(e for e in shop.entities if e.name == "Event").sources


def test_one_row_per_parent_aggregate_joins_the_parent(shop):
    assert entity_of(shop, "marts.member_ltv") == "Member"


def test_one_to_one_satellite_joins_its_parent_only_through_its_own_key():
    model = model_of(
        [table("customers", "id int, name varchar, address_id int", "id"), table("addresses", "id int, city varchar", "id"),
         table("customer_profiles", "customer_id int, bio varchar", "customer_id"),
         table("orders", "id int, customer_id int, total decimal, ordered_at timestamp", "id")],
        [ref("customers", "address_id", "addresses", "id", "1:1"), ref("customer_profiles", "customer_id", "customers", "id", "1:1"),
         ref("orders", "customer_id", "customers", "id")])
    assert entity_of(model, "customer_profiles") == "Customer"
    assert entity_of(model, "customers") == "Customer"  # its 1:1 address_id is not its key: it does not join Address


def test_reference_cycles_terminate():
    model = model_of(
        [table("store", "id int, manager_id int", "id"), table("staff", "id int, store_id int, email varchar", "id")],
        [ref("store", "manager_id", "staff", "id"), ref("staff", "store_id", "store", "id")])
    assert_each_table_once(model)
    assert {t for e in model.entities for t in e.tables} == {"store", "staff"}


# -- the demo warehouse --------------------------------------------------------------------------


def pairwise_f1(found: dict[str, list[str]], truth: dict[str, list[str]]) -> float:
    universe = {t for tables in truth.values() for t in tables}

    def pairs(groups_: dict[str, list[str]]) -> set[tuple[str, str]]:
        return {pair for tables in groups_.values() for pair in combinations(sorted(set(tables) & universe), 2)}

    got, want = pairs(found), pairs(truth)
    hits = len(got & want)
    return 2 * hits / (len(got) + len(want)) if got or want else 1.0


def test_demo_scan_entities_and_roles(demo_model):
    model = demo_model
    assert_each_table_once(model)
    assert pairwise_f1(groups(model), TRUTH["entities"]) >= 0.8
    role = roles(model)
    assert {role[t] for t in ("marts.member_ltv", "marts.title_popularity", "marts.daily_title_views")} == {"aggregate"}
    assert role["events.impressions"] == "fact"
    assert role["crm.payments"] == "fact"
    assert role["crm.members"] == "dimension"
    assert role["catalog.title_genres"] == "bridge"
    assert role["crm.subscriptions"] != "aggregate"  # an UPDATE writes it; nothing aggregates into it
    assert role["crm.active_members"] != "aggregate"  # a filter view
