"""No personal value reaches the LLM: a seeded warehouse, `scan` and `ask` against a recording server.

The warehouse hides >= 1,000 personal values in the routes an attacker used: columns whose names do not look
personal (``contact`` holding ``Name <email>``, ``details`` free text, BIGINT ``contact_no``, ``origin`` with
``ip:port``, ``account_manager`` names), min/max and top values, table and column comments, view SQL, query-log
literals, human descriptions and glossary terms in the model file, and the ``ask`` question. Every request body
the server records is searched for every seeded value, phones also as digits only.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from datamodeler.ask import AskOptions, ask_question
from datamodeler.ask.prompt import SYSTEM as ASK_SYSTEM
from datamodeler.config import LLMSettings, Settings
from datamodeler.model import GlossaryTerm
from datamodeler.scan import ScanOptions, run_scan
from datamodeler.store import load_model, save_model

from llm_server import LLMServer, Reply

FIRST = ["Annika", "Bartholomew", "Chiara", "Desmond", "Elowen", "Fernando", "Gwendolyn", "Hiroshi", "Isadora", "Jasper",
         "Kalinda", "Leopold", "Marisol", "Nikolai", "Ophelia", "Percival", "Quentin", "Rosalind", "Sebastian", "Theodora"]
LAST = ["Abernathy", "Blackwood", "Castellanos", "Drummond", "Everhart", "Fairweather", "Grisham", "Holloway", "Ingram",
        "Jorgensen", "Kowalczyk", "Lindqvist", "Montgomery", "Nakamura", "Okonkwo", "Pemberton", "Quigley", "Rutherford"]
CUSTOMERS = 150


@dataclass
class Corpus:
    """Seeded personal values by route, and how to find them in text."""

    values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    phones: set[str] = field(default_factory=set)  # digits only

    def add(self, route: str, value: str, phone: bool = False) -> str:
        self.values[route].add(value)
        if phone:
            self.phones.add(re.sub(r"\D", "", value)[-10:])
        return value

    def all(self) -> set[str]:
        return {v for values in self.values.values() for v in values}


class Seeder:
    """Deterministic personal values of every kind."""

    def __init__(self, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.used: set[str] = set()

    def unique(self, make: Any) -> str:
        while (value := make()) in self.used:
            pass
        self.used.add(value)
        return value

    def name(self) -> str:
        return self.unique(lambda: f"{self.random.choice(FIRST)} {self.random.choice(LAST)}")

    def email(self, name: str | None = None) -> str:
        base = (name or f"{self.random.choice(FIRST)} {self.random.choice(LAST)}").lower().replace(" ", ".")
        return self.unique(lambda: f"{base}{self.random.randint(10, 9999)}@{self.random.choice(['example.com', 'mail.test', 'corp.example.org'])}")

    def phone_digits(self) -> str:
        r = self.random
        return self.unique(lambda: f"{r.randint(2, 9)}{r.randint(0, 9)}{r.randint(0, 9)}{r.randint(2, 9)}{r.randint(0, 99):02d}{r.randint(0, 9999):04d}")

    def phone_text(self) -> str:
        d = self.phone_digits()
        return self.random.choice([f"({d[:3]}) {d[3:6]}-{d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}", f"+1 {d[:3]} {d[3:6]} {d[6:]}",
                                   f"{d[:3]}.{d[3:6]}.{d[6:]}"])

    def ipv4(self) -> str:
        r = self.random
        return self.unique(lambda: f"10.{r.randint(10, 250)}.{r.randint(0, 250)}.{r.randint(10, 250)}:{r.choice([443, 8080, 22, 5432])}")

    def ipv6(self) -> str:
        r = self.random
        return self.unique(lambda: f"[2001:db8:{r.randint(1, 0xffff):x}:{r.randint(1, 0xffff):x}::{r.randint(1, 0xffff):x}]:{r.choice([443, 8443])}")

    def ssn(self) -> str:
        r = self.random
        return self.unique(lambda: f"{r.randint(1, 665):03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}")

    def card(self) -> str:
        body = "4" + "".join(str(self.random.randint(0, 9)) for _ in range(14))
        digits = body + next(str(d) for d in range(10) if _luhn_total(body + str(d)) % 10 == 0)
        return self.unique(lambda: " ".join(digits[i:i + 4] for i in range(0, 16, 4)))

    def iban(self) -> str:
        bban = "".join(str(self.random.randint(0, 9)) for _ in range(18))
        check = 98 - int("".join(str(int(c, 36)) for c in bban + "DE00")) % 97
        return self.unique(lambda: f"DE{check:02d}{bban}")


def _luhn_total(digits: str) -> int:
    return sum(d - 9 * (d > 9) for d in (int(c) * (2 if i % 2 else 1) for i, c in enumerate(reversed(digits))))


def build_warehouse(path: Path, log: Path) -> Corpus:
    """A DuckDB warehouse and a query log full of personal data in places whose names do not say so."""
    corpus, seed = Corpus(), Seeder()
    managers = [corpus.add("top values: account_manager names", seed.name()) for _ in range(8)]
    hotlines = [corpus.add("top values: hotline phones", seed.phone_text(), phone=True) for _ in range(5)]
    rows = []
    for i in range(CUSTOMERS):
        name = corpus.add("names hidden in contact", seed.name())
        email = corpus.add("e-mails hidden in contact", seed.email(name))
        phone = corpus.add("integer phones in contact_no", seed.phone_digits(), phone=True)
        said = corpus.add("free text: phones in details", seed.phone_text(), phone=True)
        cc = corpus.add("free text: e-mails in details", seed.email())
        origin = corpus.add("min/max: ip:port in origin", seed.ipv4() if i % 3 else seed.ipv6())
        rows.append((i + 1, f"{name} <{email}>", int(phone), f"Asked to be called back on {said}; cc {cc} please",
                     origin, managers[i % 8], corpus.add("min/max: SSNs in ref_code", seed.ssn()),
                     corpus.add("min/max: IBANs in settlement", seed.iban()), corpus.add("min/max: cards in payer", seed.card()),
                     ["Small Business", "Enterprise", "Consumer"][i % 3], 2023000101 + i))
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, contact VARCHAR, contact_no BIGINT, details VARCHAR, "
                     "origin VARCHAR, account_manager VARCHAR, ref_code VARCHAR, settlement VARCHAR, payer VARCHAR, "
                     "segment VARCHAR, order_no BIGINT)")
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, status VARCHAR, amount DECIMAL(10, 2))")
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", [(i, i % CUSTOMERS + 1, ["open", "paid", "shipped"][i % 3], 10.5 + i) for i in range(400)])
        conn.execute("CREATE TABLE support_lines (line_id INTEGER PRIMARY KEY, region VARCHAR, hotline VARCHAR)")
        conn.executemany("INSERT INTO support_lines VALUES (?, ?, ?)", [(i, ["north", "south"][i % 2], hotlines[i % 5]) for i in range(60)])
        for table, column in (("customers", None), ("orders", None), ("support_lines", None), ("customers", "segment"),
                              ("customers", "details"), ("orders", "status"), ("support_lines", "region")):
            target = f"COLUMN {table}.{column}" if column else f"TABLE {table}"
            conn.execute(f"COMMENT ON {target} IS '{_comment(corpus, seed, 'comments: table and column')}'")
        literal = corpus.add("view SQL literals", seed.email())
        conn.execute(f"CREATE VIEW vip_customers AS SELECT * FROM customers WHERE contact LIKE '%{literal}%' "
                     f"OR contact_no = {corpus.add('view SQL literals', seed.phone_digits(), phone=True)}")
    log.write_text("".join(_logged_query(corpus, seed) for _ in range(60)))
    return corpus


def _comment(corpus: Corpus, seed: Seeder, route: str) -> str:
    return (f"Owner: {corpus.add(route, seed.name())} ({corpus.add(route, seed.email())}), phone {corpus.add(route, seed.phone_text(), phone=True)}, "
            f"SSN {corpus.add(route, seed.ssn())}, last change from {corpus.add(route, seed.ipv4())}")


def _logged_query(corpus: Corpus, seed: Seeder) -> str:
    route = "query-log literals"
    return (f"SELECT o.order_id, o.amount FROM customers c JOIN orders o ON o.customer_id = c.customer_id "
            f"WHERE c.contact LIKE '%{corpus.add(route, seed.email())}%' OR c.contact_no = {corpus.add(route, seed.phone_digits(), phone=True)} "
            f"OR c.origin = '{corpus.add(route, seed.ipv4())}';\n")


def seed_model_file(out: Path, corpus: Corpus, seed: Seeder) -> None:
    """Human descriptions and glossary terms written into the model file, with personal data in them."""
    model = load_model(out)
    for table in model.tables:
        table.description = f"Maintained by {corpus.add('descriptions (human)', seed.name())}, questions to {corpus.add('descriptions (human)', seed.email())}"
        table.description_source = "human"
        for column in table.columns[:3]:
            column.description = f"Ask {corpus.add('descriptions (human)', seed.email())} or call {corpus.add('descriptions (human)', seed.phone_text(), phone=True)}"
    model.glossary = [GlossaryTerm(term=f"VIP {i}", definition=f"Customers like {corpus.add('glossary', seed.email())}", status="accepted",
                                   sources=["human"]) for i in range(10)]
    save_model(model, out)


def answer(request: dict[str, Any]) -> Reply:
    """A scripted model: documents the data block's tables, proposes nothing, writes a plain SQL for ``ask``."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    if "<data>" not in user:
        return Reply(json.dumps({"sql": "SELECT status, COUNT(*) AS n FROM main.orders GROUP BY status"}))
    data = json.loads(user.split("<data>\n", 1)[1].rsplit("\n</data>", 1)[0])
    if "open_columns" in data:
        return Reply('{"relationships": []}')
    return Reply(json.dumps({"tables": [{"table": t["table"], "description": "Business rows.", "columns": []} for t in data["tables"]]}))


def leaks(corpus: Corpus, texts: list[str]) -> dict[str, set[str]]:
    """Seeded values found in ``texts``, by route; phones also as their digits inside any number-like run."""
    haystack = "\n".join(texts)
    runs = {re.sub(r"\D", "", run) for run in re.findall(r"\d[\d\s().+-]*\d", haystack)}
    found: dict[str, set[str]] = {}
    for route, values in corpus.values.items():
        hits = {v for v in values if v in haystack or re.sub(r"\D", "", v)[-10:] in corpus.phones and any(re.sub(r"\D", "", v)[-10:] in run for run in runs)}
        if hits:
            found[route] = hits
    return found


def request_texts(server: LLMServer) -> list[str]:
    """Every message's content of every recorded request, and the raw bodies too."""
    return server.contents + list(server.bodies)


@pytest.fixture(scope="module")
def seeded_run(tmp_path_factory):
    """Scan the seeded warehouse twice (before and after human docs) and ask three questions, all recorded."""
    base = tmp_path_factory.mktemp("redaction")
    corpus = build_warehouse(base / "warehouse.duckdb", base / "queries.sql")
    out = base / "model.json"
    with pytest.MonkeyPatch.context() as patch, LLMServer(answer) as server:
        patch.setenv("DATAMODELER_HOME", str(base / "home"))
        settings = Settings(llm=LLMSettings(base_url=server.url, api_key="k", model=f"test-{uuid.uuid4().hex[:8]}", max_retries=0))
        options = ScanOptions(url=f"duckdb:///{base / 'warehouse.duckdb'}", query_logs=[base / "queries.sql"], out=out, settings=settings)
        _, first = run_scan(options)
        seed_model_file(out, corpus, Seeder(seed=99))
        _, second = run_scan(options)
        model = load_model(out)
        seed = Seeder(seed=123)
        for question in (f"orders per status for {corpus.add('ask question', seed.email())}",
                         f"how many orders did {corpus.add('ask question', seed.phone_text(), phone=True)} place per status",
                         f"total amount per segment for customers from {corpus.add('ask question', seed.ipv4())}"):
            ask_question(question, model, AskOptions(settings=settings))
        yield corpus, server, model, (first, second)


def test_seeded_corpus_is_large_and_spread_over_many_routes(seeded_run):
    corpus, server, _, summaries = seeded_run
    assert len(corpus.all()) >= 1000 and len(corpus.values) >= 12
    assert all(s.warnings == [] for s in summaries), [s.warnings for s in summaries]
    asked = [r for r in server.requests if r["messages"][0]["content"] == ASK_SYSTEM]
    assert len(asked) >= 3 and len(server.requests) > len(asked)  # both scan tasks and ask were recorded


def test_no_seeded_personal_value_reaches_the_llm(seeded_run):
    corpus, server, _, _ = seeded_run
    assert leaks(corpus, request_texts(server)) == {}


def test_the_leak_check_would_see_a_leak(seeded_run):
    corpus, _, _, _ = seeded_run
    phone = next(iter(corpus.values["integer phones in contact_no"]))
    spaced = f"{phone[:3]} {phone[3:6]} {phone[6:]}"
    assert leaks(corpus, [f"min {spaced}"]) == {"integer phones in contact_no": {phone}}


def test_columns_are_classified_by_their_values(seeded_run):
    _, _, model, _ = seeded_run
    customers = model.table("main.customers")
    kinds = {c.name: c.pii for c in customers.columns}
    assert kinds == {"customer_id": None, "contact": "email", "contact_no": "phone", "details": "free_text",
                     "origin": "ip_address", "account_manager": "name", "ref_code": "national_id",
                     "settlement": "payment_card", "payer": "payment_card", "segment": None, "order_no": None}
    for column in customers.columns:
        if column.pii:
            assert column.profile.min is None and column.profile.max is None and not column.profile.top_values
    assert model.table("main.support_lines").column("hotline").pii == "phone"


def test_ordinary_values_still_reach_the_llm(seeded_run):
    _, server, _, _ = seeded_run
    text = "\n".join(request_texts(server))
    assert "Small Business" in text and "2023000101" in text  # a category's values, an order number's min
    assert "Owner: \\u003cname\\u003e" in text or "Owner: <name>" in text  # comments are sent, scrubbed


def test_postgres_comments_and_hidden_columns_reach_the_llm_scrubbed(pg_database, tmp_path, monkeypatch):
    """PostgreSQL table and column comments (an e-mail, a phone, an SSN, an IP) and value-only PII columns."""
    corpus, seed = Corpus(), Seeder(seed=5)
    pg_database.run(f"""
        CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, contact TEXT, contact_no BIGINT, origin TEXT, account_manager TEXT, tier TEXT);
        COMMENT ON TABLE accounts IS '{_comment(corpus, seed, "PostgreSQL table comment")}';
        COMMENT ON COLUMN accounts.tier IS '{_comment(corpus, seed, "PostgreSQL column comment")}';
        COMMENT ON COLUMN accounts.contact IS '{_comment(corpus, seed, "PostgreSQL column comment")}'""")
    managers = [corpus.add("top values: account_manager names", seed.name()) for _ in range(4)]
    rows = []
    for i in range(60):
        name = corpus.add("names hidden in contact", seed.name())
        rows.append(f"({i}, '{name} <{corpus.add('e-mails hidden in contact', seed.email(name))}>', "
                    f"{corpus.add('integer phones in contact_no', seed.phone_digits(), phone=True)}, "
                    f"'{corpus.add('min/max: ip:port in origin', seed.ipv4())}', '{managers[i % 4]}', '{['gold', 'silver'][i % 2]}')")
    pg_database.run(f"INSERT INTO accounts VALUES {', '.join(rows)}")
    monkeypatch.setenv("DATAMODELER_HOME", str(tmp_path / "home"))
    with LLMServer(answer) as server:
        settings = Settings(llm=LLMSettings(base_url=server.url, api_key="k", model=f"test-{uuid.uuid4().hex[:8]}", max_retries=0))
        model, summary = run_scan(ScanOptions(url=pg_database.url, out=tmp_path / "model.json", settings=settings, history=False))
    assert summary.warnings == [] and server.requests
    accounts = model.table("public.accounts")
    assert "@" in accounts.comment  # crawled as written ...
    assert {c.name: c.pii for c in accounts.columns} == {"account_id": None, "contact": "email", "contact_no": "phone",
                                                          "origin": "ip_address", "account_manager": "name", "tier": None}
    assert leaks(corpus, request_texts(server)) == {}  # ... and sent scrubbed
    assert "gold" in "\n".join(request_texts(server))
