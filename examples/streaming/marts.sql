-- Marts built from the base tables (CTAS, so no keys at all), plus views.

CREATE TABLE marts.daily_title_views AS
SELECT CAST(p.started_at AS DATE) AS view_date,
       p.title_sk,
       count(*) AS sessions,
       count(DISTINCT p.profile_ref) AS unique_profiles,
       round(sum(p.watched_sec) / 60.0, 1) AS minutes_watched
FROM events.playback_sessions AS p
GROUP BY ALL
ORDER BY view_date, title_sk;

CREATE TABLE marts.member_ltv AS
SELECT s.member_id,
       min(pay.paid_at) AS first_payment_at,
       max(pay.paid_at) AS last_payment_at,
       count(*) AS payments,
       sum(pay.amount) AS lifetime_value
FROM crm.payments AS pay
JOIN crm.subscriptions AS s ON s.subscription_id = pay.subscription_id
WHERE pay.payment_status = 'paid'
GROUP BY s.member_id
ORDER BY s.member_id;

CREATE TABLE marts.title_popularity AS
WITH imp AS (
    SELECT imp_title_id AS title_sk, count(*) AS impressions
    FROM events.impressions GROUP BY 1
), plays AS (
    SELECT title_sk, count(*) AS plays, sum(watched_sec) / 3600.0 AS hours_watched
    FROM events.playback_sessions GROUP BY 1
), stars AS (
    SELECT "titleId" AS title_sk, avg("ratingValue") AS avg_rating, count(*) AS ratings
    FROM events.ratings GROUP BY 1
)
SELECT t.title_sk,
       coalesce(imp.impressions, 0) AS impressions,
       coalesce(plays.plays, 0) AS plays,
       round(coalesce(plays.hours_watched, 0), 2) AS hours_watched,
       round(stars.avg_rating, 2) AS avg_rating,
       coalesce(stars.ratings, 0) AS ratings,
       round(coalesce(plays.plays, 0) / greatest(coalesce(imp.impressions, 0), 1), 4) AS play_rate
FROM catalog.titles AS t
LEFT JOIN imp ON imp.title_sk = t.title_sk
LEFT JOIN plays ON plays.title_sk = t.title_sk
LEFT JOIN stars ON stars.title_sk = t.title_sk
ORDER BY t.title_sk;

CREATE VIEW crm.active_members AS
SELECT m.member_id, m.email, m.country_code, s.subscription_id, p.plan_name, s.started_on
FROM crm.members AS m
JOIN crm.subscriptions AS s ON s.member_id = m.member_id
JOIN crm.plans AS p ON p.plan_id = s.plan_id
WHERE s.status = 'active';

CREATE VIEW catalog.series_episodes AS
SELECT t.title_sk, t.title_code, t.title_name, se.season_number, se.premiere_date,
       e.episode_sk, e.episode_number, e.episode_title
FROM catalog.titles AS t
JOIN catalog.seasons AS se ON se.title_sk = t.title_sk
JOIN catalog.episodes AS e ON e.title_sk = se.title_sk AND e.season_number = se.season_number;

CREATE VIEW marts.kids_viewing AS
SELECT pr.member_id, pr.id AS profile_id, ps.title_sk, ps.started_at, ps.watched_sec
FROM events.playback_sessions AS ps
JOIN crm.profiles AS pr ON pr.id = ps.profile_ref
WHERE pr.is_kids;

COMMENT ON TABLE marts.daily_title_views IS 'Rebuilt nightly by the dbt job from events.playback_sessions.';
COMMENT ON TABLE marts.member_ltv IS 'Lifetime value per member, one row per paying member.';
