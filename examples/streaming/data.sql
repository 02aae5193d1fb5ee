-- Deterministic data for the streaming demo warehouse.
-- Every pseudo-random value is hash(row number, salt) so the output is the same
-- on every run and every thread count. Helper macros and tables are TEMP and do
-- not end up in the database file.

SET VARIABLE n_members     = 20000;
SET VARIABLE n_titles      = 4000;
SET VARIABLE n_people      = 9000;
SET VARIABLE n_employees   = 240;
SET VARIABLE n_tickets     = 12000;
SET VARIABLE n_impressions = 1200000;
SET VARIABLE n_playbacks   = 250000;
SET VARIABLE n_searches    = 80000;
SET VARIABLE n_ratings     = 70000;

CREATE TEMP MACRO pick(i, salt, n) AS (hash(i, salt) % n)::BIGINT;
CREATE TEMP MACRO one_of(options, i, salt) AS options[1 + pick(i, salt, len(options))];
CREATE TEMP MACRO chance(i, salt, percent) AS pick(i, salt, 1000) < percent * 10;
CREATE TEMP MACRO fake_ip(i, salt) AS concat_ws('.',
    1 + pick(i, salt || 'a', 223), pick(i, salt || 'b', 256),
    pick(i, salt || 'c', 256), 1 + pick(i, salt || 'd', 254));
CREATE TEMP MACRO first_names() AS [
    'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Sophia', 'Elijah', 'Mia', 'Lucas',
    'Ava', 'Mateo', 'Isabella', 'Levi', 'Aisha', 'Arjun', 'Yuki', 'Chen', 'Fatima', 'Omar',
    'Lena', 'Jonas', 'Chloe', 'Hugo', 'Ines', 'Luca', 'Sofia', 'Kwame', 'Nia', 'Priya',
    'Diego', 'Camila', 'Sven', 'Freya', 'Tomasz', 'Zofia', 'Hana', 'Kenji', 'Maya', 'Ravi'];
CREATE TEMP MACRO last_names() AS [
    'Smith', 'Johnson', 'Garcia', 'Miller', 'Davis', 'Martinez', 'Nguyen', 'Kim', 'Patel', 'Singh',
    'Muller', 'Schmidt', 'Dubois', 'Martin', 'Rossi', 'Bianchi', 'Silva', 'Santos', 'Kowalski', 'Nowak',
    'Tanaka', 'Sato', 'Wang', 'Li', 'Okafor', 'Mensah', 'Hansen', 'Larsen', 'OBrien', 'Murphy',
    'Lopez', 'Hernandez', 'Novak', 'Ivanova', 'Cohen', 'Haddad', 'Khan', 'Ali', 'Brown', 'Wilson'];
CREATE TEMP MACRO email_domains() AS [
    'gmail.com', 'gmail.com', 'gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com',
    'icloud.com', 'proton.me', 'web.de', 'orange.fr', 'mail.example.org'];
CREATE TEMP MACRO phone_number(i, salt, country) AS CASE country
    WHEN 'US' THEN printf('+1 (%03d) 555-%04d', 201 + pick(i, salt, 790), pick(i, salt || 'x', 10000))
    WHEN 'CA' THEN printf('+1-%03d-555-%04d', 204 + pick(i, salt, 700), pick(i, salt || 'x', 10000))
    WHEN 'GB' THEN printf('+44 7700 9%05d', pick(i, salt, 100000))
    WHEN 'DE' THEN printf('+49 30 %08d', pick(i, salt, 100000000))
    WHEN 'FR' THEN printf('+33 6 %02d %02d %02d %02d', pick(i, salt, 100), pick(i, salt || 'b', 100),
                          pick(i, salt || 'c', 100), pick(i, salt || 'd', 100))
    ELSE printf('00%d %09d', 30 + pick(i, salt, 60), pick(i, salt || 'x', 1000000000))
END;

-- ---------------------------------------------------------------- reference data

INSERT INTO catalog.countries VALUES
    ('US', 'United States', 'North America'), ('CA', 'Canada', 'North America'),
    ('MX', 'Mexico', 'Latin America'), ('BR', 'Brazil', 'Latin America'),
    ('AR', 'Argentina', 'Latin America'), ('GB', 'United Kingdom', 'Europe'),
    ('DE', 'Germany', 'Europe'), ('FR', 'France', 'Europe'), ('ES', 'Spain', 'Europe'),
    ('IT', 'Italy', 'Europe'), ('NL', 'Netherlands', 'Europe'), ('SE', 'Sweden', 'Europe'),
    ('PL', 'Poland', 'Europe'), ('IN', 'India', 'Asia Pacific'), ('JP', 'Japan', 'Asia Pacific'),
    ('KR', 'South Korea', 'Asia Pacific'), ('AU', 'Australia', 'Asia Pacific'),
    ('NG', 'Nigeria', 'Africa'), ('ZA', 'South Africa', 'Africa'), ('EG', 'Egypt', 'Africa');

INSERT INTO catalog.genres VALUES
    (1, 'Drama'), (2, 'Comedy'), (3, 'Action'), (4, 'Thriller'), (5, 'Documentary'),
    (6, 'Animation'), (7, 'Kids & Family'), (8, 'Romance'), (9, 'Horror'), (10, 'Sci-Fi'),
    (11, 'Fantasy'), (12, 'Crime'), (13, 'Reality'), (14, 'Anime'), (15, 'Stand-Up'),
    (16, 'K-Drama'), (17, 'Music'), (18, 'Sports');

INSERT INTO crm.plans VALUES
    (1, 'Basic with ads', 6.99, 1, '720p'), (2, 'Standard', 15.49, 2, '1080p'),
    (3, 'Premium', 22.99, 4, '4K+HDR'), (4, 'Mobile', 4.99, 1, '480p');

CREATE TEMP MACRO member_countries() AS [
    'US', 'US', 'US', 'US', 'US', 'CA', 'MX', 'BR', 'BR', 'AR', 'GB', 'GB', 'DE', 'DE', 'FR',
    'FR', 'ES', 'IT', 'NL', 'SE', 'PL', 'IN', 'IN', 'JP', 'KR', 'AU', 'NG', 'ZA', 'EG'];

-- ---------------------------------------------------------------- crm

INSERT INTO crm.members
SELECT
    i,
    lower(first_name) || '.' || lower(last_name) || i || '@' || one_of(email_domains(), i, 'dom'),
    first_name,
    last_name,
    phone_number(i, 'phone', country),
    DATE '1950-01-01' + pick(i, 'birth', 20000)::INTEGER,
    country,
    DATE '2019-01-01' + pick(i, 'signup', 2000)::INTEGER,
    fake_ip(i, 'signup_ip'),
    CASE WHEN i > 100 AND chance(i, 'referred', 15) THEN 1 + pick(i, 'referrer', i - 1) END
FROM (
    SELECT range AS i,
           one_of(first_names(), range, 'first') AS first_name,
           one_of(last_names(), range, 'last') AS last_name,
           one_of(member_countries(), range, 'country') AS country
    FROM range(1, getvariable('n_members') + 1)
);

INSERT INTO crm.profiles
SELECT
    row_number() OVER (ORDER BY member_id, k),
    member_id,
    CASE WHEN k = 0 THEN first_name ELSE one_of(['Kids', 'Guest', 'Mom', 'Dad', 'Grandma', 'Sam', 'Alex', 'Jo'], member_id * 10 + k, 'pname') END,
    k > 0 AND chance(member_id * 10 + k, 'kids', 35),
    one_of(['en', 'en', 'en', 'es', 'pt', 'de', 'fr', 'ja', 'ko', 'hi'], member_id * 10 + k, 'lang'),
    signup_date + INTERVAL (pick(member_id * 10 + k, 'pcreated', 86400 * 400)) SECOND
FROM (
    SELECT member_id, first_name, signup_date,
           unnest(range(0, 1 + pick(member_id, 'n_profiles', 4))) AS k
    FROM crm.members
);
SET VARIABLE n_profiles = (SELECT count(*) FROM crm.profiles);

INSERT INTO crm.subscriptions
SELECT
    row_number() OVER (ORDER BY member_id, k),
    member_id,
    1 + pick(member_id * 10 + k, 'plan', 4),
    signup_date + (k * 240)::INTEGER,
    CASE WHEN k < n - 1 OR chance(member_id, 'churn', 12) THEN signup_date + (k * 240 + 200)::INTEGER END,
    CASE WHEN k < n - 1 THEN 'cancelled'
         WHEN chance(member_id, 'churn', 12) THEN 'cancelled'
         WHEN chance(member_id, 'paused', 5) THEN 'paused'
         ELSE 'active' END
FROM (
    SELECT member_id, signup_date, n, unnest(range(0, n)) AS k
    FROM (SELECT member_id, signup_date, 1 + (chance(member_id, 'resub', 30))::INTEGER AS n FROM crm.members)
);

INSERT INTO crm.payments
SELECT
    row_number() OVER (ORDER BY s.subscription_id, s.month_no),
    s.subscription_id,
    p.monthly_price,
    CASE m.country_code WHEN 'US' THEN 'USD' WHEN 'GB' THEN 'GBP' WHEN 'CA' THEN 'CAD'
         WHEN 'BR' THEN 'BRL' WHEN 'IN' THEN 'INR' WHEN 'JP' THEN 'JPY'
         WHEN 'DE' THEN 'EUR' WHEN 'FR' THEN 'EUR' WHEN 'ES' THEN 'EUR' WHEN 'IT' THEN 'EUR'
         WHEN 'NL' THEN 'EUR' ELSE 'USD' END,
    s.started_on + INTERVAL (s.month_no) MONTH + INTERVAL (pick(s.subscription_id * 100 + s.month_no, 'paid', 86400 * 3)) SECOND,
    lpad(pick(s.member_id, 'card', 10000)::VARCHAR, 4, '0'),
    CASE WHEN chance(s.subscription_id * 100 + s.month_no, 'declined', 2) THEN 'declined' ELSE 'paid' END
FROM (
    SELECT subscription_id, member_id, plan_id, started_on,
           unnest(range(0, 1 + pick(subscription_id, 'months', 18))) AS month_no
    FROM crm.subscriptions
) AS s
JOIN crm.plans AS p ON p.plan_id = s.plan_id
JOIN crm.members AS m ON m.member_id = s.member_id;

INSERT INTO crm.devices
SELECT
    row_number() OVER (ORDER BY id, k),
    id,
    one_of(['smart_tv', 'smart_tv', 'mobile', 'mobile', 'tablet', 'browser', 'console', 'streaming_stick'], id * 10 + k, 'dtype'),
    one_of(['tvOS 17', 'Android 14', 'iOS 17.4', 'Tizen 7', 'webOS 23', 'Windows 11', 'PS5 8.0', 'Fire OS 8'], id * 10 + k, 'os'),
    fake_ip(id * 10 + k, 'device_ip'),
    created_at + INTERVAL (pick(id * 10 + k, 'dreg', 86400 * 200)) SECOND
FROM (SELECT id, created_at, unnest(range(0, 1 + pick(id, 'n_devices', 2))) AS k FROM crm.profiles);
SET VARIABLE n_devices = (SELECT count(*) FROM crm.devices);

INSERT INTO crm.employees
SELECT
    i,
    first_name || ' ' || last_name,
    lower(left(first_name, 1) || last_name) || i || '@streamco.example',
    printf('+1 (408) 555-%04d', 1000 + i),
    CASE WHEN i <= 10 THEN 'Leadership' WHEN i <= 40 THEN one_of(['Support', 'Billing', 'Trust & Safety'], i, 'dept') ELSE 'Support' END,
    CASE WHEN i = 1 THEN 'Chief Customer Officer' WHEN i <= 10 THEN 'Director' WHEN i <= 40 THEN 'Team Lead' ELSE 'Support Agent' END,
    CASE WHEN i = 1 THEN NULL WHEN i <= 10 THEN 1 ELSE 2 + pick(i, 'manager', least(i - 2, 39)) END,
    DATE '2012-01-01' + pick(i, 'hired', 4000)::INTEGER
FROM (
    SELECT range AS i,
           one_of(first_names(), range, 'emp_first') AS first_name,
           one_of(last_names(), range, 'emp_last') AS last_name
    FROM range(1, getvariable('n_employees') + 1)
);

INSERT INTO crm.support_tickets
SELECT
    i,
    m.member_id,
    41 + pick(i, 'creator', getvariable('n_employees') - 40),
    CASE WHEN chance(i, 'unassigned', 6) THEN NULL ELSE 11 + pick(i, 'assignee', getvariable('n_employees') - 10) END,
    one_of(['email', 'chat', 'phone', 'app'], i, 'channel'),
    one_of(['low', 'normal', 'normal', 'normal', 'high', 'urgent'], i, 'priority'),
    one_of(['Charged twice', 'Cannot sign in', 'Playback keeps buffering', 'Cancel my plan',
            'Kids profile shows adult titles', 'Update billing address'], i, 'subject'),
    CASE pick(i, 'body', 5)
        WHEN 0 THEN printf('Hi, I was charged twice this month. Please refund and reply to %s.', m.email)
        WHEN 1 THEN printf('I cannot log in since yesterday. Call me back on %s, thanks %s.', m.phone, m.first_name)
        WHEN 2 THEN 'The app keeps buffering on my TV even though my internet is fine.'
        WHEN 3 THEN printf('Please cancel my subscription. My new email is %s.%s@%s, phone %s.',
                           lower(m.last_name), lower(m.first_name), one_of(email_domains(), i, 'newdom'), m.phone)
        ELSE printf('Someone in %s is using my account from IP %s, please help!', m.country_code, fake_ip(i, 'ticket_ip'))
    END,
    TIMESTAMP '2024-01-01' + INTERVAL (pick(i, 'opened', 86400 * 365)) SECOND AS opened_at,
    CASE WHEN chance(i, 'open', 8) THEN NULL
         ELSE TIMESTAMP '2024-01-01' + INTERVAL (pick(i, 'opened', 86400 * 365) + 600 + pick(i, 'resolve', 86400 * 5)) SECOND END
FROM range(1, getvariable('n_tickets') + 1) AS r(i)
JOIN crm.members AS m ON m.member_id = 1 + pick(i, 'ticket_member', getvariable('n_members'));

-- ---------------------------------------------------------------- catalog

INSERT INTO catalog.titles
SELECT
    i,
    'tt' || lpad((1000000 + i * 7919)::VARCHAR, 8, '0'),
    ltrim(one_of(['The', 'The', '', 'A', 'Last', 'Project', 'Return of the', 'Beyond the'], i, 't1')
        || ' ' || one_of(['Silent', 'Crimson', 'Hidden', 'Electric', 'Broken', 'Golden', 'Midnight', 'Wild', 'Frozen', 'Lost'], i, 't2')
        || ' ' || one_of(['Harbor', 'Kingdom', 'Signal', 'Garden', 'Protocol', 'Empire', 'River', 'Academy', 'Frontier', 'Detective', 'Kitchen', 'Orbit'], i, 't3')),
    title_type,
    1980 + pick(i, 'year', 45),
    one_of(['G', 'PG', 'PG-13', 'R', 'TV-Y', 'TV-14', 'TV-MA'], i, 'maturity'),
    CASE title_type WHEN 'movie' THEN 80 + pick(i, 'runtime', 70) ELSE 22 + pick(i, 'runtime', 40) END,
    1 + pick(i, 'genre', 18),
    'A story about ' || one_of(['friendship', 'revenge', 'a heist', 'first love', 'survival', 'a family secret', 'the ocean', 'a cooking contest'], i, 'plot') || '.'
FROM (
    SELECT range AS i, CASE WHEN chance(range, 'series', 35) THEN 'series' ELSE 'movie' END AS title_type
    FROM range(1, getvariable('n_titles') + 1)
);

INSERT INTO catalog.seasons
SELECT title_sk, season_number, 'Season ' || season_number,
       make_date(release_year, 1, 1) + ((season_number - 1) * 365 + pick(title_sk, 'premiere', 300))::INTEGER
FROM (
    SELECT title_sk, release_year, unnest(range(1, 2 + pick(title_sk, 'n_seasons', 5))) AS season_number
    FROM catalog.titles WHERE title_type = 'series'
);

INSERT INTO catalog.episodes
SELECT
    row_number() OVER (ORDER BY title_sk, season_number, episode_number),
    title_sk, season_number, episode_number,
    'Chapter ' || episode_number || ': ' || one_of(['Pilot', 'The Offer', 'Crossing', 'Ashes', 'Reunion', 'The Key', 'Homecoming'], title_sk * 1000 + season_number * 50 + episode_number, 'ep'),
    22 + pick(title_sk * 1000 + season_number * 50 + episode_number, 'ep_runtime', 40),
    premiere_date + ((episode_number - 1) * 7)::INTEGER
FROM (
    SELECT title_sk, season_number, premiere_date,
           unnest(range(1, 7 + pick(title_sk * 100 + season_number, 'n_episodes', 8))) AS episode_number
    FROM catalog.seasons
);
SET VARIABLE n_episodes = (SELECT count(*) FROM catalog.episodes);

INSERT INTO catalog.title_genres
SELECT title_sk, genre_id, k = 0
FROM (
    SELECT title_sk, k, CASE WHEN k = 0 THEN primary_genre_id ELSE 1 + pick(title_sk * 10 + k, 'extra_genre', 18) END AS genre_id
    FROM (SELECT title_sk, primary_genre_id, unnest(range(0, 1 + pick(title_sk, 'n_genres', 3))) AS k FROM catalog.titles)
)
QUALIFY row_number() OVER (PARTITION BY title_sk, genre_id ORDER BY k) = 1
ORDER BY title_sk, genre_id;

INSERT INTO catalog.people
SELECT range,
       one_of(first_names(), range, 'person_first') || ' ' || one_of(last_names(), range, 'person_last'),
       DATE '1930-01-01' + pick(range, 'person_birth', 25000)::INTEGER,
       one_of(member_countries(), range, 'person_country')
FROM range(1, getvariable('n_people') + 1);

INSERT INTO catalog.credits
SELECT title_sk, person_id,
       CASE k WHEN 0 THEN 'director' WHEN 1 THEN 'writer' ELSE 'actor' END,
       k + 1,
       CASE WHEN k >= 2 THEN one_of(['Detective Hale', 'Mara', 'The Stranger', 'Captain Reyes', 'Dr. Lin', 'Young Tom', 'Narrator'], title_sk * 20 + k, 'character') END
FROM (
    SELECT title_sk, k, 1 + pick(title_sk * 20 + k, 'cast', getvariable('n_people')) AS person_id
    FROM (SELECT title_sk, unnest(range(0, 3 + pick(title_sk, 'n_cast', 8))) AS k FROM catalog.titles)
)
QUALIFY row_number() OVER (PARTITION BY title_sk, person_id ORDER BY k) = 1
ORDER BY title_sk, k;

INSERT INTO catalog.title_availability
SELECT t.title_code, c.iso_code,
       DATE '2020-01-01' + pick(t.title_sk * 100 + c.rn, 'avail_from', 1500)::INTEGER,
       CASE WHEN chance(t.title_sk * 100 + c.rn, 'expires', 10) THEN DATE '2025-06-30' END
FROM catalog.titles AS t
CROSS JOIN (SELECT iso_code, row_number() OVER (ORDER BY iso_code) AS rn FROM catalog.countries) AS c
WHERE chance(t.title_sk * 100 + c.rn, 'available', 40)
ORDER BY t.title_sk, c.iso_code;

-- ---------------------------------------------------------------- events

-- Popular titles get more impressions: u^2 skews towards low title_sk.
INSERT INTO events.impressions
SELECT
    i,
    1 + pick(i, 'imp_profile', getvariable('n_profiles')),
    1 + least(getvariable('n_titles') - 1, floor(getvariable('n_titles') * pow(pick(i, 'imp_title', 1000000) / 1e6, 2)))::INTEGER,
    TIMESTAMP '2024-01-01' + INTERVAL (i * 26 + pick(i, 'imp_jitter', 26)) SECOND,
    one_of(['Trending Now', 'Continue Watching', 'Top 10 Today', 'Because You Watched', 'New Releases', 'Award Winners', 'Only on StreamCo'], i, 'imp_row'),
    pick(i, 'imp_position', 40)::TINYINT,
    one_of(['home', 'home', 'home', 'browse', 'search', 'kids_home'], i, 'imp_surface')
FROM range(1, getvariable('n_impressions') + 1) AS r(i);

CREATE TEMP TABLE movie_by_rank AS
SELECT row_number() OVER (ORDER BY title_sk) AS rn, title_sk FROM catalog.titles WHERE title_type = 'movie';

-- One session in 200 references a device that has since been deleted
-- (documented as orphan_rate 0.005 in relationships.json).
INSERT INTO events.playback_sessions
SELECT
    s.i,
    1 + pick(s.i, 'play_profile', getvariable('n_profiles')),
    coalesce(e.title_sk, mv.title_sk),
    e.episode_sk,
    CASE WHEN s.i % 200 = 0 THEN getvariable('n_devices') + 1 + pick(s.i, 'gone_device', 5000)
         ELSE 1 + pick(s.i, 'play_device', getvariable('n_devices')) END,
    TIMESTAMP '2024-01-01' + INTERVAL (s.i * 126 + pick(s.i, 'play_jitter', 126)) SECOND,
    60 + pick(s.i, 'watched', 7200),
    chance(s.i, 'completed', 45),
    fake_ip(s.i, 'client_ip')
FROM (
    SELECT range AS i, chance(range, 'is_episode', 45) AS is_episode
    FROM range(1, getvariable('n_playbacks') + 1)
) AS s
LEFT JOIN catalog.episodes AS e
    ON s.is_episode AND e.episode_sk = 1 + pick(s.i, 'play_episode', getvariable('n_episodes'))
LEFT JOIN movie_by_rank AS mv
    ON NOT s.is_episode AND mv.rn = 1 + pick(s.i, 'play_movie', (SELECT count(*) FROM movie_by_rank))
ORDER BY s.i;

INSERT INTO events.searches
SELECT
    s.i,
    p.id,
    p.member_id,
    CASE WHEN chance(s.i, 'pii_search', 2)
         THEN one_of(['cancel account ', 'change email ', 'help ', 'contact '], s.i, 'pii_prefix') || m.email
         ELSE one_of(['silent', 'crimson harbor', 'kids', 'cooking', 'true crime', 'anime', 'midnight', 'oscar', 'stand up', 'k drama', 'frozen', 'detective'], s.i, 'query') END,
    pick(s.i, 'results', 60)::INTEGER,
    CASE WHEN chance(s.i, 'clicked', 45) THEN 1 + pick(s.i, 'clicked_title', getvariable('n_titles')) END,
    TIMESTAMP '2024-01-01' + INTERVAL (s.i * 394 + pick(s.i, 'search_jitter', 394)) SECOND
FROM (SELECT range AS i FROM range(1, getvariable('n_searches') + 1)) AS s
JOIN crm.profiles AS p ON p.id = 1 + pick(s.i, 'search_profile', getvariable('n_profiles'))
JOIN crm.members AS m ON m.member_id = p.member_id
ORDER BY s.i;

INSERT INTO events.ratings
SELECT profile_id, title_id, rating_value, rated_at
FROM (
    SELECT range AS i,
           1 + pick(range, 'rating_profile', getvariable('n_profiles')) AS profile_id,
           1 + pick(range, 'rating_title', getvariable('n_titles')) AS title_id,
           (1 + pick(range, 'rating_value', 5))::TINYINT AS rating_value,
           TIMESTAMP '2024-01-01' + INTERVAL (pick(range, 'rated', 86400 * 365)) SECOND AS rated_at
    FROM range(1, getvariable('n_ratings') + 1)
)
QUALIFY row_number() OVER (PARTITION BY profile_id, title_id ORDER BY i) = 1
ORDER BY i;
