"""Which functions SQL from ``ask`` may call: an allowlist, so anything not named here is refused.

A function passes when sqlglot parses it into a typed expression (``exp.Upper``, ``exp.DateTrunc``…) that is
not in ``UNSAFE_TYPED``, or when its name is in ``PURE_FUNCTIONS`` for the model's dialect (or ``common``).
"Pure" means: computes from its arguments and the rows it is given only; it takes no SQL text, touches no
file, large object, other connection, WAL, notification, lock, sequence or setting, and reads no catalog.
``TABLE_FUNCTIONS`` are the pure functions that may also stand in FROM. docs/safety.md lists the rules.
"""

from __future__ import annotations

from sqlglot import exp


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


PURE_FUNCTIONS: dict[str, frozenset[str]] = {
    "common": _names("""
        abs ceil ceiling floor round trunc sign sqrt cbrt exp ln log log10 log2 power pow mod div pi degrees radians
        sin cos tan asin acos atan atan2 greatest least coalesce nullif ifnull nvl lower upper length char_length
        character_length octet_length substr substring left right lpad rpad ltrim rtrim trim replace reverse repeat
        concat concat_ws position strpos instr ascii chr md5 count sum avg min max stddev stddev_samp stddev_pop
        variance var_samp var_pop corr covar_pop covar_samp row_number rank dense_rank percent_rank cume_dist ntile
        lag lead first_value last_value nth_value string_agg group_concat
    """),
    "postgres": _names("""
        btrim initcap split_part translate overlay starts_with format to_hex regexp_match regexp_matches
        regexp_replace regexp_split_to_array regexp_split_to_table regexp_count regexp_instr regexp_substr
        regexp_like sha224 sha256 sha384 sha512 encode decode gcd lcm factorial width_bucket num_nonnulls
        num_nulls every bool_and bool_or bit_and bit_or array_agg percentile_cont percentile_disc mode
        regr_slope regr_intercept regr_r2 regr_count regr_avgx regr_avgy grouping
        age date_part date_trunc date_bin make_date make_time make_timestamp make_interval isfinite
        justify_days justify_hours justify_interval to_char to_date to_timestamp to_number now
        clock_timestamp statement_timestamp transaction_timestamp
        array_length array_lower array_upper array_ndims array_dims cardinality array_position array_positions
        array_append array_prepend array_cat array_remove array_replace array_to_string string_to_array
        string_to_table unnest generate_series generate_subscripts
        to_json to_jsonb json_build_object jsonb_build_object json_build_array jsonb_build_array json_agg
        jsonb_agg json_object_agg jsonb_object_agg json_array_length jsonb_array_length json_typeof
        jsonb_typeof json_extract_path json_extract_path_text jsonb_extract_path jsonb_extract_path_text
        json_strip_nulls jsonb_strip_nulls jsonb_pretty jsonb_set jsonb_insert jsonb_path_exists
        jsonb_path_match jsonb_path_query jsonb_path_query_array jsonb_path_query_first json_array_elements
        json_array_elements_text jsonb_array_elements jsonb_array_elements_text json_each json_each_text
        jsonb_each jsonb_each_text json_object_keys jsonb_object_keys gen_random_uuid random
    """),
    "duckdb": _names("""
        btrim lcase ucase split_part string_split str_split string_split_regex starts_with ends_with prefix suffix
        contains strip_accents nfc_normalize unicode ord format printf to_base64 from_base64 hex unhex sha256
        hash levenshtein damerau_levenshtein hamming jaccard jaro_similarity jaro_winkler_similarity
        regexp_matches regexp_full_match regexp_extract regexp_extract_all regexp_replace regexp_split_to_array
        gcd lcm factorial even gamma lgamma isnan isinf isfinite bit_count
        every bool_and bool_or bit_and bit_or bit_xor count_if countif any_value arg_max arg_min argmax argmin
        max_by min_by first last fsum favg sumkahan kahan_sum product median mode quantile quantile_cont
        quantile_disc approx_quantile approx_count_distinct reservoir_quantile entropy kurtosis skewness histogram
        list array_agg listagg
        now today current_date get_current_timestamp age date_part datepart date_trunc datetrunc date_diff
        datediff date_sub datesub time_bucket strftime strptime try_strptime make_date make_time make_timestamp
        epoch epoch_ms epoch_us epoch_ns year month day hour minute second week weekday weekofyear dayofweek
        dayofmonth dayofyear isodow isoyear yearweek quarter dayname monthname last_day century decade
        millennium to_days to_hours to_minutes to_seconds to_weeks to_months to_years
        list_value list_aggregate list_sort list_reverse_sort list_distinct list_unique list_contains list_has
        list_position list_slice list_extract list_element list_concat list_filter list_transform list_reduce
        list_sum list_min list_max list_avg array_length len cardinality unnest range generate_series
        struct_pack struct_extract row map map_extract map_keys map_values element_at
        json_extract json_extract_string json_extract_path json_extract_path_text json_array_length json_type
        json_keys json_object json_array json_valid json_group_array json_group_object to_json
        gen_random_uuid uuid random typeof try_cast
    """),
    "sqlite": _names("""
        date time datetime julianday unixepoch strftime timediff iif instr printf format hex unhex unicode char
        quote typeof total likelihood likely unlikely glob like soundex random sign
        json json_extract json_array json_object json_array_length json_type json_valid json_quote json_insert
        json_replace json_set json_remove json_patch json_group_array json_group_object json_each json_tree
        jsonb jsonb_extract jsonb_array jsonb_object
    """),
}
"""Per-dialect names of pure functions that sqlglot keeps as ``exp.Anonymous`` (typed ones need no entry)."""

TABLE_FUNCTIONS = _names("""
    generate_series range unnest generate_subscripts string_to_table regexp_split_to_table regexp_matches
    json_each json_each_text jsonb_each jsonb_each_text json_array_elements json_array_elements_text
    jsonb_array_elements jsonb_array_elements_text json_tree exploding_generate_series
""")
"""Pure functions that may stand in FROM: they make rows from their arguments, never from a file or the catalog.
(``exploding_generate_series`` is sqlglot's name for PostgreSQL's ``generate_series`` in FROM.)"""

CATALOG_TYPES = _names("""
    regclass regproc regprocedure regoper regoperator regtype regrole regnamespace regconfig regdictionary regcollation
""")
"""PostgreSQL's object-identifier types: a cast to one looks a name up in the system catalog."""

_SESSION = ("reads session or server information outside the model", (
    "CurrentAccount", "CurrentAccountName", "CurrentAvailableRoles", "CurrentCatalog", "CurrentClient",
    "CurrentDatabase", "CurrentIpAddress", "CurrentOrganizationName", "CurrentOrganizationUser", "CurrentRegion",
    "CurrentRole", "CurrentRoleType", "CurrentSchema", "CurrentSchemas", "CurrentSecondaryRoles", "CurrentSession",
    "CurrentStatement", "CurrentTimezone", "CurrentTransaction", "CurrentUser", "CurrentUserId", "CurrentVersion",
    "CurrentWarehouse", "SessionUser", "ObjectId", "Secret",
))
_FILES = ("reads or writes files", ("ReadCSV", "ReadParquet", "ToFile"))
_REMOTE = ("calls a model or service outside the warehouse", (
    "AIAgg", "AIClassify", "AIEmbed", "AIForecast", "AIGenerate", "AISimilarity", "AISummarizeAgg", "GenerateBool",
    "GenerateDouble", "GenerateEmbedding", "GenerateInt", "GenerateTable", "GenerateText", "MLForecast",
    "MLTranslate", "Predict", "FeaturesAtTime", "VectorSearch",
))
_STATE = ("changes or depends on server state (sequences, dynamic names)", (
    "NextValueFor", "DynamicIdentifier", "Seq1", "Seq2", "Seq4", "Seq8",
))

UNSAFE_TYPED: dict[type[exp.Expression], str] = {
    getattr(exp, name): reason
    for reason, names in (_SESSION, _FILES, _REMOTE, _STATE)
    for name in names if hasattr(exp, name)
}
"""Typed sqlglot functions that are refused all the same, with the reason shown to the user."""

UNSAFE_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("dblink", "postgres_", "mysql_", "sqlite_scan", "sqlite_attach", "external_query", "openrowset", "openquery",
      "opendatasource"), "opens another database connection"),
    (("query", "_to_xml", "ts_stat", "ts_rewrite", "cursor_to"), "runs SQL passed as text"),
    (("xml",), "parses or builds XML (external entities, catalog exports)"),
    (("read_", "pg_read", "pg_ls_", "pg_stat_file", "pg_file", "file", "glob", "load", "_scan", "lo_", "sniff_csv",
      "parquet_", "import", "export", "copy", "fsdir", "zipfile", "edit"), "reads or writes files or large objects"),
    (("wal", "restore_point", "backup", "checkpoint", "replication", "slot", "logical"), "touches the WAL or replication"),
    (("notify", "listen"), "sends notifications"),
    (("lock",), "takes locks"),
    (("setting", "set_config", "getenv", "getvariable", "version", "secret", "pragma", "duckdb_", "pg_",
      "current_", "has_", "inet_", "txid", "xact", "sqlite_"), "reads server settings, the catalog or session state"),
    (("sleep", "terminate", "cancel", "reload", "rotate", "signal", "nextval", "setval", "system", "shell"),
     "changes server state or waits"),
)
"""Why a name off the allowlist is dangerous, matched by substring: it only words the refusal, it never allows."""


def pure_function_names(dialect: str | None) -> frozenset[str]:
    """The names of anonymous functions allowed in ``dialect`` (``common`` plus the dialect's own list)."""
    return PURE_FUNCTIONS["common"] | PURE_FUNCTIONS.get(dialect or "", frozenset())


def refusal_reason(name: str) -> str:
    """Why ``name`` is refused: a known kind of danger, else that it is not on the allowlist."""
    for needles, reason in UNSAFE_HINTS:
        if any(needle in name for needle in needles):
            return reason
    return "not on the allowlist of pure functions"
