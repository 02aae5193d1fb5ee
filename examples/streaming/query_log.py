"""Deterministic query history for the streaming demo warehouse.

Builds four kinds of traffic against the generated database: BI dashboards
(a few query shapes repeated with different literals by service accounts),
ad-hoc analyst queries, ETL jobs (CTAS, INSERT ... SELECT, MERGE, UPDATE ...
FROM, CREATE VIEW) and a handful of broken statements. Every relationship in
relationships.json is exercised by at least one join. Literals such as emails
and phone numbers are sampled from the database, so the log contains personal
data like a real one would.

The output depends only on the database contents and a fixed seed.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 20250106
LOG_START = datetime(2025, 1, 6, tzinfo=UTC)
LOG_DAYS = 28
DATABASE_NAME = "streaming"
QUERY_LOG_NAME = "query_log.jsonl"
ETL_LOG_NAME = "etl_statements.sql"

ANALYSTS = [
    "alice.nguyen", "bruno.costa", "chen.wei", "dana.ross",
    "emeka.obi", "farah.khan", "gus.larsen", "hana.sato",
]
COUNTRIES = ["US", "GB", "DE", "FR", "BR", "IN", "JP", "CA", "MX", "ES"]


@dataclass(frozen=True)
class Samples:
    """Literal values drawn from the warehouse for use in WHERE clauses."""

    emails: list[str]
    phones: list[str]
    ips: list[str]
    title_sks: list[int]
    title_codes: list[str]
    series_sks: list[int]
    profile_ids: list[int]
    member_ids: list[int]


@dataclass(frozen=True)
class LoggedQuery:
    """One entry of the query history."""

    start_time: datetime
    user: str
    query: str
    duration_ms: int

    def as_json(self) -> str:
        """Serialise as one JSON Lines record."""
        return json.dumps({
            "start_time": self.start_time.isoformat(timespec="milliseconds"),
            "user": self.user,
            "database": DATABASE_NAME,
            "duration_ms": self.duration_ms,
            "query": self.query,
        })


Template = Callable[[random.Random, Samples], str]


def sql_str(value: str) -> str:
    """Quote a value as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def one_line(sql: str) -> str:
    """Collapse whitespace the way BI tools send their SQL."""
    return re.sub(r"\s+", " ", sql).strip()


def day_2024(rng: random.Random) -> datetime:
    """A random midnight in the 2024 event window."""
    return datetime(2024, 1, 1) + timedelta(days=rng.randrange(0, 350))


def date_lit(day: datetime) -> str:
    """Format a DATE literal."""
    return f"DATE '{day:%Y-%m-%d}'"


def ts_lit(day: datetime) -> str:
    """Format a TIMESTAMP literal."""
    return f"TIMESTAMP '{day:%Y-%m-%d %H:%M:%S}'"


def fetch_samples(con) -> Samples:
    """Read a deterministic sample of literal values from the warehouse."""
    def column(sql: str) -> list:
        return [row[0] for row in con.execute(sql).fetchall()]

    return Samples(
        emails=column("SELECT email FROM crm.members WHERE member_id % 401 = 7 ORDER BY member_id"),
        phones=column("SELECT phone FROM crm.members WHERE member_id % 409 = 11 ORDER BY member_id"),
        ips=column("SELECT client_ip FROM events.playback_sessions WHERE session_id % 4999 = 17 ORDER BY session_id"),
        title_sks=column("SELECT title_sk FROM catalog.titles WHERE title_sk % 37 = 1 ORDER BY title_sk"),
        title_codes=column("SELECT title_code FROM catalog.titles WHERE title_sk % 41 = 3 ORDER BY title_sk"),
        series_sks=column("SELECT title_sk FROM catalog.titles WHERE title_type = 'series' ORDER BY title_sk LIMIT 80"),
        profile_ids=column("SELECT id FROM crm.profiles WHERE id % 997 = 5 ORDER BY id"),
        member_ids=column("SELECT member_id FROM crm.members WHERE member_id % 211 = 9 ORDER BY member_id"),
    )


# ---------------------------------------------------------------- dashboards


def views_by_genre(rng: random.Random, s: Samples) -> str:
    """Looker tile: daily hours watched per genre."""
    start = day_2024(rng)
    return f"""
        SELECT g.genre_name AS "genre", CAST(p.started_at AS DATE) AS "day",
               count(*) AS "plays", sum(p.watched_sec) / 3600.0 AS "hours"
        FROM events.playback_sessions AS p
        JOIN catalog.titles AS t ON p.title_sk = t.title_sk
        JOIN catalog.title_genres AS tg ON tg.title_sk = t.title_sk
        JOIN catalog.genres AS g ON g.genre_id = tg.genre_id
        WHERE p.started_at >= {ts_lit(start)} AND p.started_at < {ts_lit(start + timedelta(days=7))}
        GROUP BY 1, 2 ORDER BY 2, 3 DESC"""


def revenue_by_plan(rng: random.Random, s: Samples) -> str:
    """Tableau workbook: revenue per plan and country."""
    start = day_2024(rng)
    countries = ", ".join(sql_str(c) for c in rng.sample(COUNTRIES, 3))
    return f"""
        SELECT pl.plan_name, m.country_code, sum(pay.amount) AS revenue, count(DISTINCT m.member_id) AS payers
        FROM crm.payments pay
        JOIN crm.subscriptions s ON pay.subscription_id = s.subscription_id
        JOIN crm.plans pl ON pl.plan_id = s.plan_id
        JOIN crm.members m ON m.member_id = s.member_id
        WHERE pay.paid_at BETWEEN {ts_lit(start)} AND {ts_lit(start + timedelta(days=30))}
          AND m.country_code IN ({countries}) AND pay.payment_status = 'paid'
        GROUP BY pl.plan_name, m.country_code"""


def top_titles_impressed(rng: random.Random, s: Samples) -> str:
    """Looker tile: most impressed titles on a day."""
    return f"""
        SELECT t.title_name, t.title_type, count(*) AS impressions
        FROM events.impressions i
        JOIN catalog.titles t ON i.imp_title_id = t.title_sk
        WHERE CAST(i.imp_ts AS DATE) = {date_lit(day_2024(rng))}
          AND i.imp_surface = {sql_str(rng.choice(['home', 'browse', 'kids_home']))}
        GROUP BY t.title_name, t.title_type
        ORDER BY impressions DESC LIMIT {rng.choice([10, 20, 50])}"""


def row_click_through(rng: random.Random, s: Samples) -> str:
    """Looker tile: click-through per homepage row."""
    start = day_2024(rng)
    return f"""
        WITH imp AS (
            SELECT imp_row, imp_title_id, imp_profile_id
            FROM events.impressions
            WHERE imp_ts >= {ts_lit(start)} AND imp_ts < {ts_lit(start + timedelta(days=1))}
        ), plays AS (
            SELECT DISTINCT profile_ref, title_sk
            FROM events.playback_sessions
            WHERE started_at >= {ts_lit(start)} AND started_at < {ts_lit(start + timedelta(days=2))}
        )
        SELECT imp.imp_row, count(*) AS impressions, count(plays.title_sk) AS plays,
               count(plays.title_sk) / count(*) AS ctr
        FROM imp
        LEFT JOIN plays ON plays.profile_ref = imp.imp_profile_id AND plays.title_sk = imp.imp_title_id
        GROUP BY imp.imp_row ORDER BY ctr DESC"""


def kids_impressions(rng: random.Random, s: Samples) -> str:
    """Tableau workbook: impressions on kids profiles by language."""
    start = day_2024(rng)
    return f"""
        SELECT pr.language, count(*) AS impressions
        FROM events.impressions AS i
        JOIN crm.profiles AS pr ON pr.id = i.imp_profile_id
        WHERE pr.is_kids AND i.imp_ts >= {ts_lit(start)} AND i.imp_ts < {ts_lit(start + timedelta(days=14))}
        GROUP BY pr.language ORDER BY impressions DESC"""


def support_backlog(rng: random.Random, s: Samples) -> str:
    """Metabase card: open tickets per agent and team lead."""
    return f"""
        SELECT e.full_name AS agent, mgr.full_name AS team_lead, count(*) AS open_tickets
        FROM crm.support_tickets st
        JOIN crm.employees e ON st.assigned_to = e.employee_id
        LEFT JOIN crm.employees mgr ON e.manager_id = mgr.employee_id
        WHERE st.closed_at IS NULL AND st.priority = {sql_str(rng.choice(['normal', 'high', 'urgent']))}
        GROUP BY e.full_name, mgr.full_name ORDER BY open_tickets DESC"""


def top_titles_by_country(rng: random.Random, s: Samples) -> str:
    """Metabase card: most played titles in one country."""
    return f"""
        SELECT t.title_name, count(*) AS plays
        FROM events.playback_sessions ps
        JOIN crm.profiles pr ON ps.profile_ref = pr.id
        JOIN crm.members m ON pr.member_id = m.member_id
        JOIN catalog.titles t ON t.title_sk = ps.title_sk
        WHERE m.country_code = {sql_str(rng.choice(COUNTRIES))} AND ps.started_at >= {ts_lit(day_2024(rng))}
        GROUP BY t.title_name ORDER BY plays DESC LIMIT 20"""


def episode_completion(rng: random.Random, s: Samples) -> str:
    """Looker tile: completion rate per season of one series."""
    return f"""
        SELECT t.title_name, e.season_number, avg(CAST(ps.completed AS INTEGER)) AS completion_rate
        FROM events.playback_sessions ps
        JOIN catalog.episodes e ON e.episode_sk = ps.episode_sk
        JOIN catalog.titles t ON t.title_sk = e.title_sk
        WHERE t.title_sk = {rng.choice(s.series_sks)}
        GROUP BY t.title_name, e.season_number ORDER BY e.season_number"""


def minutes_by_title(rng: random.Random, s: Samples) -> str:
    """Tableau workbook on the daily mart."""
    start = day_2024(rng)
    return f"""
        SELECT t.title_name, sum(d.minutes_watched) AS minutes
        FROM marts.daily_title_views d
        JOIN catalog.titles t USING (title_sk)
        WHERE d.view_date BETWEEN {date_lit(start)} AND {date_lit(start + timedelta(days=6))}
        GROUP BY t.title_name ORDER BY minutes DESC LIMIT 25"""


def ltv_by_country(rng: random.Random, s: Samples) -> str:
    """Metabase card: average lifetime value per country."""
    return f"""
        SELECT c.region, m.country_code, avg(l.lifetime_value) AS avg_ltv, count(*) AS members
        FROM marts.member_ltv l
        JOIN crm.members m ON m.member_id = l.member_id
        JOIN catalog.countries c ON c.iso_code = m.country_code
        WHERE m.signup_date >= {date_lit(datetime(2019, 1, 1) + timedelta(days=rng.randrange(0, 1500)))}
        GROUP BY c.region, m.country_code ORDER BY avg_ltv DESC"""


def device_mix(rng: random.Random, s: Samples) -> str:
    """Looker tile: playback sessions per device type."""
    start = day_2024(rng)
    return f"""
        SELECT d.device_type, count(*) AS sessions, avg(ps.watched_sec) AS avg_watch
        FROM events.playback_sessions ps
        JOIN crm.devices d ON ps.device_id = d.device_id
        WHERE ps.started_at >= {ts_lit(start)} AND ps.started_at < {ts_lit(start + timedelta(days=7))}
        GROUP BY d.device_type"""


def genre_popularity(rng: random.Random, s: Samples) -> str:
    """Tableau workbook: popularity mart by genre."""
    return f"""
        SELECT g.genre_name, sum(tp.plays) AS plays, avg(tp.avg_rating) AS rating
        FROM marts.title_popularity tp
        JOIN catalog.titles t ON t.title_sk = tp.title_sk
        JOIN catalog.genres g ON g.genre_id = t.primary_genre_id
        WHERE t.release_year >= {rng.randrange(1985, 2020)}
        GROUP BY g.genre_name ORDER BY plays DESC"""


DASHBOARDS: list[tuple[str, Template, int]] = [
    ("looker_svc", views_by_genre, 22),
    ("tableau_svc", revenue_by_plan, 20),
    ("looker_svc", top_titles_impressed, 24),
    ("looker_svc", row_click_through, 16),
    ("tableau_svc", kids_impressions, 14),
    ("metabase", support_backlog, 18),
    ("metabase", top_titles_by_country, 18),
    ("looker_svc", episode_completion, 14),
    ("tableau_svc", minutes_by_title, 14),
    ("metabase", ltv_by_country, 12),
    ("looker_svc", device_mix, 12),
    ("tableau_svc", genre_popularity, 10),
]


# ---------------------------------------------------------------- ad-hoc


def adhoc_queries(rng: random.Random, s: Samples) -> list[str]:
    """Analyst queries, each written by hand once (some reused with new literals)."""
    email, other_email = rng.sample(s.emails, 2)
    phone = rng.choice(s.phones)
    profile_id = rng.choice(s.profile_ids)
    member_id = rng.choice(s.member_ids)
    return [
        f"SELECT * FROM crm.members WHERE email = {sql_str(email)}",
        f"select member_id, first_name, last_name, country_code from crm.members where phone = {sql_str(phone)}",
        """SELECT m.member_id, m.email, r.email AS referrer_email, r.signup_date AS referrer_signup
            FROM crm.members m
            JOIN crm.members r ON m.referred_by_member_id = r.member_id
            WHERE m.signup_date >= DATE '2023-01-01'""",
        """SELECT r.member_id, r.email, count(*) AS referrals
           FROM crm.members AS r INNER JOIN crm.members AS m ON r.member_id = m.referred_by_member_id
           GROUP BY r.member_id, r.email HAVING count(*) > 2 ORDER BY referrals DESC""",
        """WITH RECURSIVE chain AS (
               SELECT employee_id, manager_id, full_name, 0 AS depth FROM crm.employees WHERE manager_id IS NULL
               UNION ALL
               SELECT e.employee_id, e.manager_id, e.full_name, c.depth + 1
               FROM crm.employees e JOIN chain c ON e.manager_id = c.employee_id
           )
           SELECT depth, count(*) FROM chain GROUP BY depth ORDER BY depth""",
        """SELECT e.full_name, m.full_name AS manager
           FROM crm.employees e, crm.employees m
           WHERE e.manager_id = m.employee_id AND e.department = 'Support'""",
        """SELECT e.department, count(*) AS tickets_created
           FROM crm.support_tickets t JOIN crm.employees e ON t.created_by = e.employee_id
           GROUP BY e.department""",
        """SELECT t.ticket_id, creator.full_name AS created_by_name, assignee.full_name AS assignee_name,
                  t.opened_at, t.closed_at - t.opened_at AS time_to_close
           FROM crm.support_tickets t
           JOIN crm.employees creator ON creator.employee_id = t.created_by
           LEFT JOIN crm.employees assignee ON assignee.employee_id = t.assigned_to
           WHERE t.priority = 'urgent' ORDER BY time_to_close DESC NULLS LAST LIMIT 100""",
        f"""SELECT st.ticket_id, st.subject, st.body, m.email, m.phone
            FROM crm.support_tickets st JOIN crm.members m ON m.member_id = st.member_id
            WHERE m.email = {sql_str(other_email)} OR st.body LIKE {sql_str('%' + phone + '%')}""",
        """SELECT p.profile_name, p.is_kids, count(d.device_id) AS devices
           FROM crm.profiles p LEFT JOIN crm.devices d ON d.profile_ref = p.id
           GROUP BY p.profile_name, p.is_kids ORDER BY devices DESC""",
        """SELECT m.email, p.profile_name, p.language
           FROM crm.members m, crm.profiles p
           WHERE m.member_id = p.member_id AND p.is_kids AND m.country_code = 'DE'""",
        """SELECT s."queryText", count(*) AS searches
           FROM events.searches s JOIN crm.profiles p ON s."profileId" = p.id
           WHERE p.is_kids GROUP BY s."queryText" ORDER BY searches DESC LIMIT 50""",
        """SELECT t.title_name, count(*) AS clicks, avg(s."resultCount") AS avg_results
           FROM events.searches s JOIN catalog.titles t ON t.title_sk = s."clickedTitleId"
           GROUP BY t.title_name ORDER BY clicks DESC LIMIT 20""",
        """SELECT m.email, s."queryText", s."searchedAt"
           FROM events.searches s JOIN crm.members m ON m.member_id = s."memberId"
           WHERE s."queryText" LIKE '%@%'""",
        """SELECT t.title_name, avg(r."ratingValue") AS rating, count(*) AS votes
           FROM events.ratings r JOIN catalog.titles t ON r."titleId" = t.title_sk
           GROUP BY t.title_name HAVING count(*) > 20 ORDER BY rating DESC""",
        """SELECT p.language, avg(r."ratingValue") AS rating
           FROM events.ratings AS r INNER JOIN crm.profiles AS p ON p.id = r."profileId"
           GROUP BY p.language""",
        """SELECT pe.full_name, count(*) AS films
           FROM catalog.credits c
           JOIN catalog.people pe ON pe.person_id = c.person_id
           JOIN catalog.titles t ON t.title_sk = c.title_sk
           WHERE c.credit_role = 'director' AND t.title_type = 'movie'
           GROUP BY pe.full_name ORDER BY films DESC LIMIT 20""",
        """SELECT co.country_name, count(*) AS titles_available
           FROM catalog.title_availability a
           JOIN catalog.titles t ON a.title_code = t.title_code
           JOIN catalog.countries co ON co.iso_code = a.country_code
           WHERE a.available_to IS NULL GROUP BY co.country_name ORDER BY titles_available""",
        """SELECT c.region, count(*) AS members
           FROM crm.members m JOIN catalog.countries c ON m.country_code = c.iso_code
           GROUP BY c.region""",
        """SELECT t.title_name, count(*) AS seasons, max(s.premiere_date) AS latest
           FROM catalog.seasons s JOIN catalog.titles t ON s.title_sk = t.title_sk
           WHERE t.title_type = 'series' GROUP BY t.title_name ORDER BY seasons DESC""",
        """SELECT s.title_sk, s.season_number, s.premiere_date, count(e.episode_sk) AS episodes
           FROM catalog.seasons s
           JOIN catalog.episodes e ON e.title_sk = s.title_sk AND e.season_number = s.season_number
           GROUP BY s.title_sk, s.season_number, s.premiere_date""",
        """SELECT g.genre_name, count(*) AS titles
           FROM catalog.titles t JOIN catalog.genres g ON t.primary_genre_id = g.genre_id
           GROUP BY g.genre_name""",
        """SELECT t.title_name, g.genre_name
           FROM catalog.titles t, catalog.title_genres tg, catalog.genres g
           WHERE t.title_sk = tg.title_sk AND tg.genre_id = g.genre_id AND t.release_year = 2019""",
        """SELECT profile_ref, title_sk, started_at,
                  row_number() OVER (PARTITION BY profile_ref ORDER BY started_at DESC) AS rn
           FROM events.playback_sessions QUALIFY rn <= 3""",
        """SELECT profile_ref, started_at,
                  started_at - lag(started_at) OVER (PARTITION BY profile_ref ORDER BY started_at) AS gap
           FROM events.playback_sessions WHERE profile_ref < 500""",
        f"""SELECT 'impression' AS kind, imp_profile_id AS profile_id, imp_ts AS ts FROM events.impressions WHERE imp_profile_id = {profile_id}
            UNION ALL
            SELECT 'play', profile_ref, started_at FROM events.playback_sessions WHERE profile_ref = {profile_id}
            UNION ALL
            SELECT 'search', "profileId", "searchedAt" FROM events.searches WHERE "profileId" = {profile_id}
            ORDER BY ts""",
        """SELECT pl.plan_name, count(*) FILTER (WHERE s.status = 'cancelled') / count(*) AS churn_rate
           FROM crm.subscriptions s JOIN crm.plans pl USING (plan_id) GROUP BY pl.plan_name""",
        f"""SELECT m.member_id, pay.paid_at, pay.amount,
                   sum(pay.amount) OVER (PARTITION BY m.member_id ORDER BY pay.paid_at) AS running_total
            FROM crm.members m
            JOIN crm.subscriptions s ON s.member_id = m.member_id
            JOIN crm.payments pay ON pay.subscription_id = s.subscription_id
            WHERE m.email = {sql_str(email)}""",
        """SELECT d.device_type, count(*) AS sessions, count(*) FILTER (WHERE d.device_id IS NULL) AS unknown_device
           FROM events.playback_sessions ps LEFT JOIN crm.devices d ON ps.device_id = d.device_id
           GROUP BY d.device_type""",
        f"SELECT ticket_id, opened_at, body FROM crm.support_tickets WHERE body LIKE {sql_str('%' + email + '%')}",
        f"""SELECT p.profile_name, count(i.imp_id) AS impressions
            FROM crm.members m
            JOIN crm.profiles p ON p.member_id = m.member_id
            JOIN events.impressions i ON i.imp_profile_id = p.id
            WHERE m.phone = {sql_str(phone)}
            GROUP BY p.profile_name""",
        f"SELECT session_id, profile_ref, started_at FROM events.playback_sessions WHERE client_ip = {sql_str(rng.choice(s.ips))}",
        """SELECT l.member_id, l.lifetime_value, s.status
           FROM marts.member_ltv l JOIN crm.subscriptions s ON s.member_id = l.member_id
           WHERE s.status = 'cancelled' ORDER BY l.lifetime_value DESC LIMIT 50""",
        """SELECT t.title_code, t.title_name, tp.play_rate
           FROM marts.title_popularity tp JOIN catalog.titles t ON tp.title_sk = t.title_sk
           ORDER BY tp.play_rate DESC LIMIT 25""",
        f"""SELECT t.title_name, d.view_date, d.sessions
            FROM marts.daily_title_views d JOIN catalog.titles t ON d.title_sk = t.title_sk
            WHERE t.title_code = {sql_str(rng.choice(s.title_codes))} ORDER BY d.view_date""",
        f"SELECT * FROM crm.active_members WHERE country_code = {sql_str(rng.choice(COUNTRIES))} LIMIT 100",
        "SELECT * FROM crm.members WHERE member_id IN (SELECT member_id FROM crm.support_tickets WHERE priority = 'urgent')",
        """SELECT t.title_name FROM catalog.titles t
           WHERE NOT EXISTS (SELECT 1 FROM events.impressions i WHERE i.imp_title_id = t.title_sk)""",
        """SELECT d.device_type, p.is_kids, count(*) AS sessions
           FROM events.playback_sessions ps
           JOIN crm.devices d ON d.device_id = ps.device_id
           JOIN crm.profiles p ON p.id = d.profile_ref
           GROUP BY d.device_type, p.is_kids""",
        "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2",
        f"""SELECT s.subscription_id, s.status, pl.plan_name, pl.monthly_price
            FROM crm.subscriptions s INNER JOIN crm.plans pl ON s.plan_id = pl.plan_id
            WHERE s.member_id = {member_id}""",
        f"""SELECT p.id, p.profile_name, ps.title_sk, e.episode_title
            FROM crm.profiles p
            JOIN events.playback_sessions ps ON ps.profile_ref = p.id
            LEFT JOIN catalog.episodes e ON ps.episode_sk = e.episode_sk
            WHERE p.member_id = {member_id} ORDER BY ps.started_at DESC LIMIT 20""",
        f"""SELECT m.email, m.phone, m.birth_date, m.signup_ip
            FROM streaming.crm.members AS m WHERE m.member_id = {member_id}""",
        f"""SELECT c.character_name, pe.full_name
            FROM catalog.credits c, catalog.people pe, catalog.titles t
            WHERE c.person_id = pe.person_id AND c.title_sk = t.title_sk
              AND t.title_code = {sql_str(rng.choice(s.title_codes))} ORDER BY c.billing_order""",
        """SELECT tg.genre_id, count(DISTINCT r."profileId") AS raters
           FROM events.ratings r JOIN catalog.title_genres tg ON tg.title_sk = r."titleId"
           GROUP BY tg.genre_id""",
        """SELECT title_type, count(*) FROM catalog.titles GROUP BY ALL""",
        f"""SELECT imp_row, avg(imp_position) AS avg_position
            FROM events.impressions WHERE imp_title_id = {rng.choice(s.title_sks)} GROUP BY imp_row""",
    ]


# ---------------------------------------------------------------- ETL


def daily_views_load(day: datetime) -> list[str]:
    """Incremental reload of one day of marts.daily_title_views."""
    return [
        f"DELETE FROM marts.daily_title_views WHERE view_date = {date_lit(day)}",
        f"""INSERT INTO marts.daily_title_views (view_date, title_sk, sessions, unique_profiles, minutes_watched)
SELECT CAST(p.started_at AS DATE), p.title_sk, count(*), count(DISTINCT p.profile_ref), round(sum(p.watched_sec) / 60.0, 1)
FROM events.playback_sessions AS p
JOIN catalog.titles AS t ON t.title_sk = p.title_sk
WHERE CAST(p.started_at AS DATE) = {date_lit(day)}
GROUP BY CAST(p.started_at AS DATE), p.title_sk""",
    ]


def member_ltv_merge(day: datetime) -> str:
    """Upsert lifetime value for members who paid since a day."""
    return f"""MERGE INTO marts.member_ltv AS tgt
USING (
    SELECT s.member_id, min(pay.paid_at) AS first_payment_at, max(pay.paid_at) AS last_payment_at,
           count(*) AS payments, sum(pay.amount) AS lifetime_value
    FROM crm.payments AS pay
    JOIN crm.subscriptions AS s ON s.subscription_id = pay.subscription_id
    WHERE pay.payment_status = 'paid' AND pay.paid_at >= {ts_lit(day)}
    GROUP BY s.member_id
) AS src
ON tgt.member_id = src.member_id
WHEN MATCHED THEN UPDATE SET last_payment_at = src.last_payment_at,
    payments = tgt.payments + src.payments, lifetime_value = tgt.lifetime_value + src.lifetime_value
WHEN NOT MATCHED THEN INSERT (member_id, first_payment_at, last_payment_at, payments, lifetime_value)
    VALUES (src.member_id, src.first_payment_at, src.last_payment_at, src.payments, src.lifetime_value)"""


def past_due_update(day: datetime) -> str:
    """Flag subscriptions with a declined payment."""
    return f"""UPDATE crm.subscriptions AS s SET status = 'past_due'
FROM crm.payments AS pay
WHERE pay.subscription_id = s.subscription_id AND pay.payment_status = 'declined'
  AND pay.paid_at >= {ts_lit(day)} AND s.status = 'active'"""


TITLE_POPULARITY_REBUILD = """CREATE OR REPLACE TABLE marts.title_popularity AS
WITH imp AS (
    SELECT imp_title_id AS title_sk, count(*) AS impressions FROM events.impressions GROUP BY 1
), plays AS (
    SELECT title_sk, count(*) AS plays, sum(watched_sec) / 3600.0 AS hours_watched
    FROM events.playback_sessions GROUP BY 1
), stars AS (
    SELECT "titleId" AS title_sk, avg("ratingValue") AS avg_rating, count(*) AS ratings
    FROM events.ratings GROUP BY 1
)
SELECT t.title_sk, coalesce(imp.impressions, 0) AS impressions, coalesce(plays.plays, 0) AS plays,
       round(coalesce(plays.hours_watched, 0), 2) AS hours_watched, round(stars.avg_rating, 2) AS avg_rating,
       coalesce(stars.ratings, 0) AS ratings,
       round(coalesce(plays.plays, 0) / greatest(coalesce(imp.impressions, 0), 1), 4) AS play_rate
FROM catalog.titles AS t
LEFT JOIN imp ON imp.title_sk = t.title_sk
LEFT JOIN plays ON plays.title_sk = t.title_sk
LEFT JOIN stars ON stars.title_sk = t.title_sk"""

MISSING_TITLES_INSERT = """INSERT INTO marts.title_popularity
SELECT t.title_sk, 0, 0, 0, NULL, 0, 0
FROM catalog.titles t LEFT JOIN marts.title_popularity tp ON tp.title_sk = t.title_sk
WHERE tp.title_sk IS NULL"""

KIDS_VIEW = """CREATE OR REPLACE VIEW marts.kids_viewing AS
SELECT pr.member_id, pr.id AS profile_id, ps.title_sk, ps.started_at, ps.watched_sec
FROM events.playback_sessions AS ps
JOIN crm.profiles AS pr ON pr.id = ps.profile_ref
WHERE pr.is_kids"""

SERIES_EPISODES_VIEW = """CREATE OR REPLACE VIEW catalog.series_episodes AS
SELECT t.title_sk, t.title_code, t.title_name, se.season_number, se.premiere_date,
       e.episode_sk, e.episode_number, e.episode_title
FROM catalog.titles AS t
JOIN catalog.seasons AS se ON se.title_sk = t.title_sk
JOIN catalog.episodes AS e ON e.title_sk = se.title_sk AND e.season_number = se.season_number"""

ACTIVE_MEMBERS_VIEW = """CREATE OR REPLACE VIEW crm.active_members AS
SELECT m.member_id, m.email, m.country_code, s.subscription_id, p.plan_name, s.started_on
FROM crm.members AS m
JOIN crm.subscriptions AS s ON s.member_id = m.member_id
JOIN crm.plans AS p ON p.plan_id = s.plan_id
WHERE s.status = 'active'"""

DAILY_VIEWS_REBUILD = """CREATE OR REPLACE TABLE marts.daily_title_views AS
SELECT CAST(p.started_at AS DATE) AS view_date, p.title_sk, count(*) AS sessions,
       count(DISTINCT p.profile_ref) AS unique_profiles, round(sum(p.watched_sec) / 60.0, 1) AS minutes_watched
FROM events.playback_sessions AS p
GROUP BY ALL"""


def nightly_run(day: datetime) -> list[str]:
    """The statements of one nightly ETL run, as logged by airflow."""
    return [
        *daily_views_load(day - timedelta(days=365)),
        member_ltv_merge(day - timedelta(days=400)),
        past_due_update(day - timedelta(days=400)),
        TITLE_POPULARITY_REBUILD,
        MISSING_TITLES_INSERT,
    ]


def etl_script_runs() -> list[tuple[datetime, list[str]]]:
    """The separate ETL log file: a weekly rebuild batch, run five nights."""
    runs = []
    for night in range(5):
        day = LOG_START + timedelta(days=night * 7 + 1, hours=3)
        runs.append((day, [
            DAILY_VIEWS_REBUILD,
            *daily_views_load(day - timedelta(days=366)),
            member_ltv_merge(day - timedelta(days=420)),
            ACTIVE_MEMBERS_VIEW,
            KIDS_VIEW,
            SERIES_EPISODES_VIEW,
            past_due_update(day - timedelta(days=420)),
            TITLE_POPULARITY_REBUILD,
            MISSING_TITLES_INSERT,
        ]))
    return runs


# ---------------------------------------------------------------- broken


BROKEN_QUERIES = [
    "SELECT member_id, email FROM crm.members WHERE",
    "SELEC count(*) FROM events.impressions",
    "SELECT * FROM crm.profiles p JOIN crm.members m ON p.member_id = m.member_id WHERE m.email = 'olivia.",
    "SELECT (count(*) FROM crm.payments",
    "INSERT INTO marts.member_ltv (member_id, lifetime_value SELECT",
    "SELECT t.title_name, count(*) FROM events.impressions i JOIN catalog.titles t ON i.imp_title_id = t.title_sk GROUP BY t.title_name ORDER BY",
    "UPDATE crm.members SET email = WHERE member_id = 5",
    "SELECT title_name FROM catalog.titles WHERE title_sk IN (1, 2,",
]


# ---------------------------------------------------------------- assembly


def business_hours(rng: random.Random) -> datetime:
    """A random moment on a working day of the log window."""
    day = rng.randrange(LOG_DAYS)
    while (LOG_START + timedelta(days=day)).weekday() >= 5:
        day = rng.randrange(LOG_DAYS)
    seconds = rng.randrange(7 * 3600, 19 * 3600)
    return LOG_START + timedelta(days=day, seconds=seconds, milliseconds=rng.randrange(1000))


def dashboard_entries(rng: random.Random, samples: Samples) -> list[LoggedQuery]:
    """Repeated dashboard queries from BI service accounts."""
    return [
        LoggedQuery(business_hours(rng), user, one_line(template(rng, samples)), rng.randrange(40, 2500))
        for user, template, runs in DASHBOARDS
        for _ in range(runs)
    ]


def adhoc_entries(rng: random.Random, samples: Samples) -> list[LoggedQuery]:
    """Two rounds of analyst queries; the second reuses a subset with new literals."""
    first = adhoc_queries(rng, samples)
    second = rng.sample(adhoc_queries(rng, samples), 18)
    return [
        LoggedQuery(business_hours(rng), rng.choice(ANALYSTS), dedent(sql), rng.randrange(15, 9000))
        for sql in first + second
    ]


def etl_entries(rng: random.Random) -> list[LoggedQuery]:
    """Nightly airflow runs, a few seconds apart."""
    entries = []
    for night in range(0, LOG_DAYS, 3):
        moment = LOG_START + timedelta(days=night, hours=2, minutes=rng.randrange(0, 20))
        for sql in nightly_run(LOG_START + timedelta(days=night)):
            duration = rng.randrange(200, 30000)
            entries.append(LoggedQuery(moment, "airflow", sql, duration))
            moment += timedelta(milliseconds=duration + rng.randrange(50, 500))
    return entries


def broken_entries(rng: random.Random) -> list[LoggedQuery]:
    """Statements that failed to parse, as the warehouse logged them."""
    return [LoggedQuery(business_hours(rng), rng.choice(ANALYSTS), sql, rng.randrange(1, 5))
            for sql in BROKEN_QUERIES]


def dedent(sql: str) -> str:
    """Strip the indentation the templates carry in this file."""
    lines = [line.strip() for line in sql.strip().splitlines()]
    return "\n".join(lines)


def build_query_log(con) -> list[LoggedQuery]:
    """The whole JSON Lines history, ordered by start time."""
    rng = random.Random(SEED)
    samples = fetch_samples(con)
    entries = (dashboard_entries(rng, samples) + adhoc_entries(rng, samples)
               + etl_entries(rng) + broken_entries(rng))
    return sorted(entries, key=lambda entry: (entry.start_time, entry.user, entry.query))


def render_etl_script() -> str:
    """The ETL log as one SQL file with ';'-separated statements."""
    parts = []
    for moment, statements in etl_script_runs():
        parts.append(f"-- weekly rebuild, started {moment.isoformat()} by dbt_runner")
        parts.extend(statement + ";" for statement in statements)
    return "\n\n".join(parts) + "\n"


def write_logs(con, log_dir: Path) -> list[Path]:
    """Write the JSON Lines and SQL logs into log_dir and return their paths."""
    log_dir.mkdir(parents=True, exist_ok=True)
    jsonl_path = log_dir / QUERY_LOG_NAME
    jsonl_path.write_text("".join(entry.as_json() + "\n" for entry in build_query_log(con)), encoding="utf-8")
    sql_path = log_dir / ETL_LOG_NAME
    sql_path.write_text(render_etl_script(), encoding="utf-8")
    return [jsonl_path, sql_path]
