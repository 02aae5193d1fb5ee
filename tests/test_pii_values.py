"""Personal data found by value: detectors with positives and negatives, free-text scrubbing, column
classification from sampled values, and the profile of a PII column keeping no values."""

from __future__ import annotations

import sqlite3

import pytest

from datamodeler.llm.redact import column_facts, redact_messages, scrub
from datamodeler.pii import classify_column, classify_values, iban_valid, luhn_valid, scrub_text, value_kind
from datamodeler.profile import Budget, profile_tables
from datamodeler.sources import CatalogFilter, open_source

POSITIVES = [
    ("ann.lee@example.com", "email"),
    ("Ann Lee <ann.lee@example.com>", "email"),
    ("Sales desk 7 <desk7@example.com>", "email"),
    ("o'brien+news@mail.example.co.uk", "email"),
    ("+1 (415) 555-0199", "phone"),
    ("415-555-0199", "phone"),
    ("(415) 555-0199", "phone"),
    ("415.555.0199", "phone"),
    ("+44 20 7946 0958", "phone"),
    ("020 7946 0958", "phone"),
    ("+4915112345678", "phone"),
    ("4155550199", "phone"),  # an integer-typed phone, NANP shape
    ("14155550199", "phone"),
    ("447700900123", "phone"),  # E.164 digits without the +
    ("10.0.7.50:443", "ip_address"),
    ("192.168.1.20", "ip_address"),
    ("2001:db8::8a2e:370:7334", "ip_address"),
    ("[2001:db8::1]:443", "ip_address"),
    ("4111 1111 1111 1111", "payment_card"),
    ("5500-0000-0000-0004", "payment_card"),
    ("4111111111111111", "payment_card"),
    ("078-05-1120", "national_id"),  # US SSN
    ("DE89 3704 0044 0532 0130 00", "payment_card"),  # IBAN, a payment account like the name rule says
    ("GB82WEST12345698765432", "payment_card"),
    ("130-692-544", "national_id"),  # Canadian SIN (Luhn)
]

NEGATIVES = [
    "2024-01-15", "2024-01-15T10:00:00Z", "2024-01-15 10:00:00.123+02:00", "15/01/2024", "2024.01.15", "20240115",
    "1,234.56", "1234.56", "-120.50", "99.5%", "3.14159", "1e10", "12345", "123456789",
    "AB-1234", "SKU-000123", "ORD-2024-0001", "INV 2024 0001", "550e8400-e29b-41d4-a716-446655440000",
    "v1.2.3", "1.0.0", "1.2.3.4", "10.0.19041.1", "0.0.0.0", "10:15:30", "12:30", "::1", "std::vector",
    "1700000000", "1700000000000", "20240115123456", "1234567890123456789",
    "iPhone 15 Pro", "Ultra Widget", "Small Business", "000-12-3456", "666-12-3456", "4111 1111 1111 1112",
    "GB82WEST12345698765431", "DE89370400440532013001", "130-692-545", "Data Platform Team",
]


@pytest.mark.parametrize(("value", "kind"), POSITIVES)
def test_personal_values_are_recognised(value, kind):
    assert value_kind(value) == kind


@pytest.mark.parametrize("value", NEGATIVES)
def test_ordinary_values_are_not_personal(value):
    assert value_kind(value) is None
    assert scrub_text(value) == value


def test_checksums():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("DE89 3704 0044 0532 0130 00") and not iban_valid("DE88 3704 0044 0532 0130 00")


@pytest.mark.parametrize(("text", "scrubbed"), [
    ("Please call me at 415-555-0199 after 5pm", "Please call me at <phone> after 5pm"),
    ("tel 4155550199, order 2023000123", "tel <phone>, order 2023000123"),
    ("Owner: Ann Lee, escalate to Dr. Raj Patel", "Owner: <name>, escalate to Dr. <name>"),
    ("Contact Bob Stone <bob@x.io>", "Contact <name> <<email>>"),
    ("server 10.0.7.50:443 and [2001:db8::1]:8443 down", "server <ip_address> and <ip_address> down"),
    ("SSN 078-05-1120, card 4111-1111-1111-1111", "SSN <national_id>, card <payment_card>"),
    ("Pay to DE89370400440532013000 by 2024-02-01", "Pay to <iban> by 2024-02-01"),
    ("Questions: Ask ann@x.io or call (415) 555-0199", "Questions: Ask <email> or call <phone>"),
    ("Hello Maria Lopez <maria@x.io>, Ticket 4711", "Hello <name> <<email>>, Ticket 4711"),
    ("created by Data Team on 2024-01-15T10:00:00Z, v1.2.3.4, 1,234.56 USD", "created by Data Team on 2024-01-15T10:00:00Z, v1.2.3.4, 1,234.56 USD"),
    ("Sales per region for FY2024 (orders 10.5% up, SKU-000123)", "Sales per region for FY2024 (orders 10.5% up, SKU-000123)"),
])
def test_free_text_is_scrubbed_span_by_span(text, scrubbed):
    assert scrub_text(text) == scrubbed


def test_columns_classified_by_values_whatever_their_names():
    phones = ["4155550199", "6465550123", "2125559876", "3105551234", "7185550000", "9175550111"]
    assert classify_column("contact", "VARCHAR", ["Ann Lee <ann@x.io>", "Bo Ek <bo@y.org>"]) == "email"
    assert classify_column("contact_no", "BIGINT", phones) == "phone"
    assert classify_column("origin", "TEXT", ["10.0.7.50:443", "10.2.3.40:8080"]) == "ip_address"
    assert classify_column("account_manager", "TEXT", ["Ann Lee", "Raj Patel", "María García", "John Smith"]) == "name"
    assert classify_column("created_by", "TEXT", ["Lee, Ann", "Patel, Raj"]) == "name"
    notes = ["Delivered, no issue at all today", "Customer asked to be called back on 415-555-0199 tomorrow"] * 3
    assert classify_column("details", "TEXT", notes) == "free_text"


def test_ordinary_columns_stay_unclassified():
    assert classify_column("order_no", "BIGINT", [str(2023000101 + i) for i in range(50)]) is None  # a dense id run
    assert classify_column("created_at_epoch", "BIGINT", [str(1700000000 + 97 * i) for i in range(50)]) is None
    assert classify_column("customer_segment", "TEXT", ["Small Business", "Enterprise Account"]) is None
    assert classify_column("product_name", "TEXT", ["Ultra Widget", "Mega Gadget", "Super Sprocket"]) is None
    assert classify_column("owner", "TEXT", ["Data Platform", "Finance Team", "Sales Ops Desk"]) is None
    assert classify_column("app_version", "TEXT", ["1.2.3.4", "1.2.10.0", "2.0.1.7"]) is None
    assert classify_column("description", "TEXT", ["A sturdy widget for daily use", "Ships in 2 days"]) is None
    assert classify_column("amount", "DOUBLE", ["4155550199"]) is None
    assert classify_values([]) is None


def test_name_based_api_still_works():
    assert classify_column("email", "TEXT") == "email"
    assert classify_column("HomePhone", "TEXT") == "phone"
    assert classify_column("HireDate", "DATE", ["1992-05-01"]) is None


def test_scrub_walks_payloads_and_messages():
    payload = {"table": "t", "comment": "mail ann@x.io", "columns": [{"values": ["415-555-0199", "pro"]}], "rows": 4155550199}
    assert scrub(payload) == {"table": "t", "comment": "mail <email>", "columns": [{"values": ["<phone>", "pro"]}], "rows": 4155550199}
    [message] = redact_messages([{"role": "user", "content": "orders of ann@x.io"}])
    assert message == {"role": "user", "content": "orders of <email>"}


def test_profile_flags_pii_by_value_and_keeps_no_values(tmp_path):
    path = tmp_path / "w.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, contact TEXT, contact_no INTEGER, origin TEXT, "
                 "account_manager TEXT, tier TEXT, order_no INTEGER)")
    managers = ["Ann Lee", "Raj Patel", "Maria Lopez"]
    people = [f"{first} {last}" for first in ("Ada", "Bruno", "Chen", "Dara") for last in ("Okafor", "Lind", "Roy", "Sato", "Vega")]
    conn.executemany("INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (i, f"{people[i % 20]} <p{i}@example.com>", int(f"{2 + i % 7}{i % 10}5{3 + i % 6}55{i:04d}"), f"10.{i}.7.50:443",
         managers[i % 3], ["gold", "silver"][i % 2], 2023000101 + i) for i in range(1, 41)])
    conn.commit()
    conn.close()
    source = open_source(f"sqlite:///{path}")
    [table] = source.catalog(CatalogFilter())
    assert profile_tables(source, [table], 1000, Budget(total_s=60, statement_s=5)) == []
    kinds = {c.name: c.pii for c in table.columns}
    assert kinds == {"id": None, "contact": "email", "contact_no": "phone", "origin": "ip_address",
                     "account_manager": "name", "tier": None, "order_no": None}
    for column in table.columns:
        profile = column.profile
        if column.pii:
            assert profile.min is None and profile.max is None and not profile.top_values
            assert set(column_facts(column)["profile"]) <= {"rows", "distinct", "nulls"}
    assert table.column("tier").profile.top_values == ["gold", "silver"]
    assert column_facts(table.column("order_no"))["profile"]["min"] == "2023000102"
