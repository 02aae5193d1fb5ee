"""From a question and its linked tables to a query plan and a SQL skeleton, without an LLM.

    plan = plan_query("weekly impressions per country", model, link_question(..., model))
    plan.join_path          # impressions → profiles → members → countries, over verified relationships
    skeleton_sql(plan, model)

The join path runs over declared, verified and accepted relationships (the model graph's ``join_path``),
preferring joins past queries used often; plausible relationships are used only when nothing else connects,
and the plan says so. The skeleton is built as sqlglot expressions: the measure (COUNT/SUM/AVG/MIN/MAX), the
"per X" grouping columns, a time bucket for daily/weekly/monthly/yearly questions, the joins along the path.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..graph import JoinStep, build_graph
from ..identifiers import tokens
from ..model import ASSERTED_STATUSES, DataModel, Relationship, Table
from .linking import STOPWORDS, LinkedTable, Linking, Terms, link_question, name_words, question_words, stem

GRAINS = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
          "yearly": "year", "annually": "year", "annual": "year"}
GRAIN_NOUNS = {"hour": "hour", "day": "day", "date": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
MEASURES = (("count", r"\b(how many|number of|count of|count)\b"), ("avg", r"\b(average|avg|mean)\b"),
            ("sum", r"\b(total|sum of|sum)\b"), ("max", r"\b(maximum|max|highest|largest)\b"),
            ("min", r"\b(minimum|min|lowest|smallest)\b"))
GROUP_PHRASE = re.compile(r"\b(?:per|by|for each|for every|each|across)\s+(.+?)(?=\s+(?:per|by|for|in|with|where|over|during|from|since)\b|[?.,;]|$)")
LABEL_WORDS = ("name", "title", "label", "description", "region")
NUMERIC_TYPES = ("INT", "DECIMAL", "NUMERIC", "DOUBLE", "FLOAT", "REAL", "NUMBER", "BIGINT", "SMALLINT", "TINYINT", "MONEY")
TIME_TYPES = ("DATE", "TIME")


NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
HIGH_WORDS = ("highest", "largest", "biggest", "greatest", "most")
LOW_WORDS = ("lowest", "smallest", "least", "fewest")
COUNT_TEXT = r"(\d+|" + "|".join(NUMBER_WORDS) + ")"
RANKINGS = (  # (pattern, how many: a group or 1, direction: "top"/"bottom"/a group, the ordering phrase's group)
    re.compile(rf"\b(top|bottom|first)\s+{COUNT_TEXT}\s+.*?\bby\s+(.+?)(?=[?.,;]|$)"),
    re.compile(rf"\b{COUNT_TEXT}\s+({'|'.join(HIGH_WORDS + LOW_WORDS)})\s+(.+?)(?=[?.,;]|$)"),
    re.compile(rf"\b(?:with|has|have|had)\s+the\s+({'|'.join(HIGH_WORDS + LOW_WORDS)})\s+(.+?)(?=[?.,;]|$)"),
)


@dataclass(frozen=True)
class Ranking:
    """Keep the ``limit`` first rows ordered by what ``phrase`` names, largest first unless ``descending`` is False."""

    limit: int
    descending: bool
    phrase: str
    words: frozenset[str]  # the question words the ranking accounts for ("top", "5", "by", "highest")


def read_ranking(text: str) -> tuple[Ranking | None, str]:
    """The ranking ``text`` asks for and the text without its ranking words (a lower-cased, tokenised question)."""
    for position, pattern in enumerate(RANKINGS):
        match = pattern.search(text)
        if match is None:
            continue
        groups = match.groups()
        if position == 0:
            limit, descending, phrase = count_value(groups[1]), groups[0] != "bottom", groups[2]
            spent = {groups[0], groups[1], "by"}
        elif position == 1:
            limit, descending, phrase = count_value(groups[0]), groups[1] in HIGH_WORDS, groups[2]
            spent = {groups[0], groups[1]}
        else:
            limit, descending, phrase = 1, groups[0] in HIGH_WORDS, groups[1]
            spent = {"with", "has", "have", "had", groups[0]}
        rest = text[:match.start()] + " " + " ".join(w for w in text[match.start():match.start(len(groups))].split()
                                                     if w not in spent) + text[match.end():]
        return Ranking(limit, descending, phrase.strip(), frozenset(spent)), " ".join(rest.split())
    return None, text


def count_value(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


@dataclass(frozen=True)
class Intent:
    """What the question asks for, read from its words: a measure, groupings and a time grain."""

    measure: str | None  # count, sum, avg, min, max
    measure_text: str  # the question without its grouping phrases
    groups: tuple[str, ...]  # "country", "device type"
    grain: str | None  # hour, day, week, month, quarter, year
    implied: bool = False  # no measure word: a count, or a sum when the words name an amount column
    ranking: Ranking | None = None  # "top 5 … by revenue", "the 3 largest …", "with the highest …"


@dataclass
class QueryPlan:
    """Tables, join path and columns of a skeleton query; ``notes`` say what was guessed."""

    question: str
    intent: Intent
    anchor: str
    join_path: list[JoinStep] = field(default_factory=list)
    group_columns: list[tuple[str, str]] = field(default_factory=list)
    time_column: tuple[str, str] | None = None
    measure_column: tuple[str, str] | None = None
    select_columns: list[tuple[str, str]] = field(default_factory=list)
    filters: list[tuple[str, str, str]] = field(default_factory=list)  # (table, column, value) from profiled values
    uses_plausible: bool = False
    notes: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)  # why the plan is only a draft: what it would need
    count_distinct: bool = False  # COUNT(DISTINCT anchor key): the joins fan out, rows would be counted twice
    order_column: tuple[str, str] | None = None  # a ranking of rows: the numeric column the question orders by

    @property
    def confident(self) -> bool:
        """The builder can answer this question right: nothing is left unexplained or unsafe."""
        return not self.needs

    @property
    def tables(self) -> list[str]:
        names = [self.anchor]
        for step in self.join_path:
            if step.right_table not in names:
                names.append(step.right_table)
        return names

    def join_path_dicts(self) -> list[dict[str, Any]]:
        return [{"left_table": s.left_table, "left_columns": list(s.left_columns), "right_table": s.right_table,
                 "right_columns": list(s.right_columns), "status": s.status or s.source,
                 "verified": s.status in ASSERTED_STATUSES} for s in self.join_path]


# -- intent --------------------------------------------------------------------------------------


def read_intent(question: str) -> Intent:
    """The measure, groupings and time grain of ``question`` (``weekly impressions per country``)."""
    ranking, text = read_ranking(" ".join(tokens(question.replace("'", " "))))
    grain = next((GRAINS[w] for w in text.split() if w in GRAINS), None)
    groups: list[str] = []
    for phrase in GROUP_PHRASE.findall(text):
        for part in re.split(r"\s+and\s+", phrase):
            part = part.strip()
            if part in GRAIN_NOUNS and grain is None:
                grain = GRAIN_NOUNS[part]
            elif part and part not in GRAIN_NOUNS:
                groups.append(part)
    measure_text = GROUP_PHRASE.sub(" ", text)
    measure_text = " ".join(w for w in measure_text.split() if w not in GRAINS)
    measure = next((name for name, pattern in MEASURES if re.search(pattern, text)), None)
    implied = measure is None and bool(groups or grain)
    if ranking is not None and not groups and measure is None:
        implied = False  # "the 3 largest cities": rows ranked by a column, no aggregate
    return Intent("count" if implied else measure, measure_text.strip(), tuple(groups), grain, implied, ranking)


# -- plan ----------------------------------------------------------------------------------------


def plan_query(question: str, model: DataModel, linking: Linking | None = None) -> QueryPlan:
    """The skeleton's plan: anchor table, grouping/time/measure columns and the join path between them."""
    linking = linking or link_question(question, model)
    intent = read_intent(question)
    anchor = choose_anchor(intent, model, linking)
    plan = QueryPlan(question, intent, anchor)
    targets: list[str] = []
    for phrase in intent.groups:
        found = group_column(phrase, anchor, model)
        if found is None:
            plan.notes.append(f"nothing in the model matches '{phrase}'")
            continue
        plan.group_columns.append(found)
        targets.append(found[0])
    if intent.grain:
        plan.time_column = time_column(anchor, model, linking)
        if plan.time_column is None:
            plan.notes.append(f"{anchor} has no date or time column for a {intent.grain} bucket")
    if intent.measure in ("sum", "avg", "min", "max") or intent.implied:
        plan.measure_column = measure_column(anchor, model, link_question(intent.measure_text, model))
        if intent.implied and plan.measure_column is not None and not (linking.table(anchor) or LinkedTable(anchor)).name_match:
            plan.intent = intent = replace(intent, measure="sum")
    if intent.ranking is not None and not intent.measure:
        plan.order_column = measure_column(anchor, model, link_question(intent.ranking.phrase, model))
    if not intent.measure:  # a ranking shows what the words outside its ordering phrase name
        plan.select_columns = select_columns(anchor, model, link_question(intent.measure_text, model) if intent.ranking else linking)
        targets.extend(t.name for t in other_named_tables(linking, anchor))
    connect_tables(plan, model, targets)
    choose_relationships(plan, model, linking)
    plan.filters = value_filters(plan, linking)
    check_fan_out(plan, model)
    judge_plan(plan, model, linking)
    return plan


def value_filters(plan: QueryPlan, linking: Linking) -> list[tuple[str, str, str]]:
    """``column = 'value'`` for profiled values the question names, on tables the query already reads."""
    filters = []
    for name in plan.tables:
        entry = linking.table(name)
        for column in entry.columns if entry else []:
            if column.value is not None and (name, column.name) not in plan.group_columns:
                filters.append((name, column.name, column.value))
    return filters


def choose_anchor(intent: Intent, model: DataModel, linking: Linking) -> str:
    """The table the question measures: the best match for the words outside "per X", facts first among equals."""
    if not model.tables:
        raise ValueError("the model has no tables")
    ranked = link_question(intent.measure_text, model).matched() if intent.groups else []
    ranked = ranked or linking.matched() or linking.tables
    best = ranked[0].score
    near = [t for t in ranked if t.score >= 0.6 * best]
    return max(near, key=lambda t: t.score * anchor_fitness(model.table(t.name), intent)).name


def anchor_fitness(table: Table | None, intent: Intent) -> float:
    """How well a table suits being measured: facts suit, pre-aggregated tables less, a time grain needs a time column."""
    if table is None:
        return 0.0
    fitness = {"fact": 1.3, "aggregate": 0.6}.get(table.role or "", 1.0)
    if intent.grain and not any(any(kind in c.type.upper() for kind in TIME_TYPES) for c in table.columns):
        fitness *= 0.3
    return fitness


def group_column(phrase: str, anchor: str, model: DataModel) -> tuple[str, str] | None:
    """The column to group by for ``phrase``: the anchor's own column when it has one, else a named table's label."""
    linking = link_question(phrase, model)
    own = linking.table(anchor)
    if own and own.columns and own.columns[0].score >= 0.5:
        return anchor, own.columns[0].name
    for entry in linking.matched()[:3]:
        table = model.table(entry.name)
        if table is None:
            continue
        if entry.name_match > 0:
            return table.name, label_column(table, phrase)
        if entry.columns:
            return table.name, entry.columns[0].name
    return None


def label_column(table: Table, phrase: str) -> str:
    """A readable column of ``table`` for ``phrase``: one naming what the table name does not (``device type`` ->
    ``device_type``), else a label (``country_name``), else the key."""
    wanted = {stem(w) for w in tokens(phrase)}
    beyond_table = wanted - {stem(w) for w in name_words(table.short_name)}
    scored = []
    for position, column in enumerate(table.columns):
        parts = name_words(column.name)
        words = {stem(w) for w in parts}
        label = bool(parts) and parts[-1] in LABEL_WORDS
        points = 2 * len(words & beyond_table) + label + 0.1 * len(words & wanted)
        scored.append((-points, position, column.name))
    scored.sort()
    if scored and scored[0][0] <= -1:
        return scored[0][2]
    return (table.primary_key or [table.columns[0].name])[0]


def time_column(anchor: str, model: DataModel, linking: Linking) -> tuple[str, str] | None:
    """The anchor's date/time column: one the question names, else the one past queries filter and group by most."""
    table = model.table(anchor)
    if table is None:
        return None
    candidates = [c for c in table.columns if any(kind in c.type.upper() for kind in TIME_TYPES)]
    if not candidates:
        return None
    named = {c.name for c in (linking.table(anchor) or LinkedTable(anchor)).columns}
    usage = {u.column.lower(): u.filter + u.group_by for u in model.usage}
    candidates.sort(key=lambda c: (c.name not in named, -usage.get(f"{anchor}.{c.name}".lower(), 0)))
    return anchor, candidates[0].name


def measure_column(anchor: str, model: DataModel, linking: Linking) -> tuple[str, str] | None:
    """The anchor's numeric column the question names (for SUM/AVG/MIN/MAX)."""
    table = model.table(anchor)
    entry = linking.table(anchor)
    if table is None or entry is None:
        return None
    for linked in entry.columns:
        column = table.column(linked.name)
        if column is not None and any(kind in column.type.upper() for kind in NUMERIC_TYPES) and column.name not in table.primary_key:
            return anchor, column.name
    return None


def select_columns(anchor: str, model: DataModel, linking: Linking, limit: int = 6) -> list[tuple[str, str]]:
    """Columns to show for a question with no measure: the ones it names, else the table's label column."""
    entry = linking.table(anchor)
    table = model.table(anchor)
    keys = set(table.primary_key) if table is not None and "id" not in tokens(linking.question) else set()
    named = [c for c in (entry.columns if entry else []) if c.value is None and c.name not in keys]
    terms = Terms.of(linking.question)
    in_full = [c for c in named if all(terms.match(w) for w in name_words(c.name))]
    named = in_full or named  # "names" means ``Name``, not also ``LocalName``: a column named in full comes first
    best = max((c.score for c in named), default=0.0)
    chosen = [(anchor, c.name) for c in named if c.score >= 0.5 * best][:limit]
    if not chosen and table is not None and table.columns:
        chosen = [(anchor, label_column(table, ""))]
    return chosen


def other_named_tables(linking: Linking, anchor: str, limit: int = 2) -> list[LinkedTable]:
    """Further tables the question names outright (for plain selects across a join)."""
    matched = linking.matched()
    best = matched[0].score if matched else 0
    return [t for t in matched if t.name != anchor and t.name_match >= 0.99 and t.score >= 0.5 * best][:limit]


# -- join path -----------------------------------------------------------------------------------


def connect_tables(plan: QueryPlan, model: DataModel, targets: list[str]) -> None:
    """Extend ``plan.join_path`` from the anchor to each target: asserted relationships first, plausible if needed."""
    joined = {plan.anchor}
    for target in targets:
        if target in joined:
            continue
        steps, plausible = find_join_path(model, plan.anchor, target)
        if steps is None:
            plan.notes.append(f"no relationship path joins {plan.anchor} to {target}; left out")
            plan.group_columns = [c for c in plan.group_columns if c[0] != target]
            plan.select_columns = [c for c in plan.select_columns if c[0] != target]
            continue
        if plausible:
            plan.uses_plausible = True
            plan.notes.append(f"the path to {target} uses plausible (unverified) relationships")
        for step in steps:
            if step.right_table not in joined:
                plan.join_path.append(step)
                joined.add(step.right_table)


def find_join_path(model: DataModel, start: str, end: str) -> tuple[list[JoinStep] | None, bool]:
    """The cheapest join path and whether it needed plausible relationships."""
    for statuses, plausible in ((ASSERTED_STATUSES, False), (ASSERTED_STATUSES | {"plausible"}, True)):
        graph = weighted_join_graph(model, statuses)
        if start in graph.joins and end in graph.joins:
            path = graph.join_path(start, end)
            if path is not None:
                return path, plausible and any(s.status == "plausible" for s in path)
    return None, False


def weighted_join_graph(model: DataModel, statuses: frozenset[str]) -> Any:
    """The model graph over relationships with these statuses only; joins past queries used often cost less."""
    chosen = [r for r in model.relationships if r.status in statuses]
    graph = build_graph(model.model_copy(update={"joins": []}), chosen)
    counts: dict[frozenset[str], int] = {}
    for join in model.joins:
        pair = frozenset((join.left_table, join.right_table))
        counts[pair] = counts.get(pair, 0) + join.count
    for left, right, data in graph.joins.edges(data=True):
        base = 1.0 if data["step"].status in ASSERTED_STATUSES else 4.0
        data["weight"] = base / (1 + math.log(1 + counts.get(frozenset((left, right)), 0)))
    return graph


# -- meaning of the joins ------------------------------------------------------------------------


def step_relationships(step: JoinStep, model: DataModel) -> list[Relationship]:
    """Every non-rejected relationship between the step's two tables."""
    pair = {step.left_table, step.right_table}
    return [r for r in model.relationships if r.status != "rejected" and {r.child_table, r.parent_table} == pair
            and r.child_table != r.parent_table]


def choose_relationships(plan: QueryPlan, model: DataModel, linking: Linking) -> None:
    """Where two relationships link the same tables (``department_id`` vs ``manager_id``), pick by the question's
    words, else the column named after the parent table; say which was used and what the alternative was."""
    terms = Terms.of(plan.question)
    for position, step in enumerate(plan.join_path):
        options = [r for r in step_relationships(step, model) if r.status in ASSERTED_STATUSES or plan.uses_plausible]
        if len(options) < 2:
            continue
        best = max(options, key=lambda r: relationship_fit(r, terms))
        plan.join_path[position] = oriented_step(best, step)
        others = ", ".join(f"{r.child_table}.{'/'.join(r.child_columns)}" for r in options if r is not best)
        plan.notes.append(f"joined by {best.child_table}.{'/'.join(best.child_columns)}; also possible: {others}")
        if sorted(relationship_fit(r, terms) for r in options)[-2] == relationship_fit(best, terms):
            plan.needs.append(f"which relationship to join by ({'/'.join(best.child_columns)} or {others}): name it in the question")


def relationship_fit(rel: Relationship, terms: Terms) -> tuple[float, float]:
    """(question words the FK column uses, whether the FK column is named after the parent table)."""
    words = [w for c in rel.child_columns for w in name_words(c) if w not in ("id", "key", "code", "no", "number")]
    said = sum(terms.match(w) for w in words)
    parent_words = {stem(w) for w in name_words(rel.parent_table.rpartition(".")[2])}
    return said, float(any(stem(w) in parent_words for w in words))


def oriented_step(rel: Relationship, step: JoinStep) -> JoinStep:
    """``rel`` as a step from ``step.left_table`` to ``step.right_table``."""
    if rel.child_table == step.left_table:
        return replace(step, left_columns=tuple(rel.child_columns), right_columns=tuple(rel.parent_columns))
    return replace(step, left_columns=tuple(rel.parent_columns), right_columns=tuple(rel.child_columns))


def fans_out(step: JoinStep, model: DataModel) -> bool:
    """True when a row on the left can meet several rows on the right (a 1:N hop: parent to child)."""
    for rel in step_relationships(step, model):
        if tuple(rel.child_columns) == step.left_columns and rel.child_table == step.left_table:
            return False  # child -> parent: N:1
        if tuple(rel.parent_columns) == step.left_columns and rel.parent_table == step.left_table:
            return rel.cardinality != "1:1"
    right = model.table(step.right_table)
    return not (right is not None and right.primary_key and set(right.primary_key) <= set(step.right_columns))


def check_fan_out(plan: QueryPlan, model: DataModel) -> None:
    """A COUNT through a 1:N hop counts distinct anchor rows; SUM/AVG through one would multiply: refused."""
    fan = [s for s in plan.join_path if fans_out(s, model)]
    if not fan or plan.intent.measure is None:
        return
    hops = ", ".join(f"{s.left_table} → {s.right_table}" for s in fan)
    anchor = model.table(plan.anchor)
    if plan.intent.measure == "count" and anchor is not None and len(anchor.primary_key) == 1:
        plan.count_distinct = True
        plan.notes.append(f"the join {hops} is 1:N: counting distinct {plan.anchor} rows so none is counted twice")
    elif plan.intent.measure in ("count", "sum", "avg"):
        plan.needs.append(f"a pre-aggregation: {plan.intent.measure.upper()} through the 1:N join {hops} would count rows "
                          "more than once (ask with an LLM, or group by a column of the measured table)")


# -- confident or draft --------------------------------------------------------------------------

MEASURE_WORDS = frozenset("count number many much total sum average avg mean maximum max highest largest minimum min "
                          "lowest smallest amount".split())
LOGIC_WORDS = frozenset("than not no without except both or before after between most least top bottom first last only "
                        "distinct different unique same more less greater fewer larger smaller older younger earlier later "
                        "never ever above below under over exceed exceeds at least either neither nor whose descending "
                        "ascending order sorted sort alphabetical youngest oldest biggest earliest latest newest longest shortest "
                        "like contain contains containing start starts end ends".split())
"""Words asking for a comparison, negation, ranking or ordering: beyond what the skeleton builds."""
ENTITY_QUESTION = ("which", "who", "whom", "whose")


def plan_name_stems(plan: QueryPlan) -> set[str]:
    """The stems of the words naming the plan's tables and columns."""
    tables = [plan.anchor, *(t for s in plan.join_path for t in (s.left_table, s.right_table))]
    columns = [c for c in (*plan.group_columns, plan.measure_column, plan.time_column, *plan.select_columns) if c]
    names = [t.rpartition(".")[2] for t in tables] + [f"{table.rpartition('.')[2]} {column}" for table, column in columns]
    return {stem(w) for name in names for w in tokens(name)}


def judge_plan(plan: QueryPlan, model: DataModel, linking: Linking) -> None:
    """Fill ``plan.needs`` with what a right answer would need beyond the skeleton (empty: confident)."""
    words = tokens(plan.question.replace("'", " "))
    plan.needs.extend(f"a match for '{note.split(chr(39))[1]}' (a clearer column name)" for note in plan.notes
                      if note.startswith("nothing in the model matches"))
    if plan.uses_plausible:
        plan.needs.append("verified relationships: the join path uses plausible ones (review them)")
    if len(plan.group_columns) > 2 or (plan.intent.grain and len(plan.group_columns) > 1):
        plan.needs.append("an LLM: more than two groupings")
    if plan.intent.measure in ("sum", "avg", "min", "max") and plan.measure_column is None:
        plan.needs.append(f"a numeric column of {plan.anchor} to {plan.intent.measure} (name it in the question)")
    if plan.intent.grain and plan.time_column is None:
        plan.needs.append(f"a date or time column of {plan.anchor}")
    ranked = plan.intent.ranking.words if plan.intent.ranking is not None and plan.order_column is not None else frozenset()
    named = plan_name_stems(plan)  # "order" names the orders table here, not an ordering
    logic = sorted({w for w in words if (w in LOGIC_WORDS and stem(w) not in named) or w.isdigit()} - ranked)
    judge_ranking(plan)
    if logic:
        plan.needs.append(f"an LLM: comparisons, rankings or numbers ({', '.join(logic)}) are beyond the no-LLM builder")
    if sum(1 for _, pattern in MEASURES if re.search(pattern, " ".join(words))) > 1:
        plan.needs.append("an LLM: more than one measure")
    if plan.intent.implied and "per" not in words and "by" not in words:
        plan.needs.append("a measure word (how many, total, average…): 'each' alone may ask for a list, not a count")
    if any(w in MEASURE_WORDS for g in plan.intent.groups for w in g.split()):
        plan.needs.append("an LLM: the grouping phrase names a measure")
    if words and words[0] in ENTITY_QUESTION and plan.intent.measure is not None:
        plan.needs.append("an LLM: the question asks which rows have a measure (a ranking), not the measure itself")
    unexplained = unexplained_words(plan, model)
    if unexplained:
        plan.needs.append(f"an LLM or clearer words: {', '.join(unexplained)} not found in the tables and columns used")


def judge_ranking(plan: QueryPlan) -> None:
    """A ranking is built right only as rows of one table ordered by a numeric column the question names."""
    ranking = plan.intent.ranking
    if ranking is None:
        return
    if plan.intent.measure is not None:
        plan.needs.append("an LLM: a ranking of aggregated groups is beyond the no-LLM builder")
    elif plan.order_column is None:
        plan.needs.append(f"a numeric column of {plan.anchor} named by '{ranking.phrase}' to rank by (name it in the question)")


def unexplained_words(plan: QueryPlan, model: DataModel) -> list[str]:
    """Question words that no table, column, value, grouping, grain or measure of the plan accounts for."""
    used: set[str] = set()
    for name in plan.tables:
        used.update(name_words(name.rpartition(".")[2]))
    columns = [*plan.group_columns, *plan.select_columns, *(c for c in (plan.time_column, plan.measure_column, plan.order_column) if c)]
    columns += [(t, c) for t, c, _ in plan.filters]
    for _, column in columns:
        used.update(name_words(column))
    for _, _, value in plan.filters:
        used.update(tokens(value))
    used.update(MEASURE_WORDS | set(GRAINS) | set(GRAIN_NOUNS))
    if plan.intent.ranking is not None and plan.order_column is not None:
        used.update(plan.intent.ranking.words)
    used_stems = {stem(w) for w in used}
    missing = []
    for word in question_words(plan.question):
        if stem(word) in used_stems or word in STOPWORDS:
            continue
        single = Terms.of(word)
        if not any(single.match(u) for u in used):
            missing.append(word)
    return missing
