"""Person resolution: which person records are the same human, with Splink on DuckDB.

Pure of the database: ``resolve`` takes the person records as an Arrow table
(``PERSON_RECORD_SCHEMA``) and returns every record's entity, the trained model (Splink's JSON
settings with its parameters) and the run's figures. Training is unsupervised — u from random
pairs, the prior from near-certain rules, m by expectation maximisation — and labelled records
(the same label = the same person), when given, replace the m estimates they can.

The package's facade (``caselink.linkage.persons``) lists what services use.
"""

import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from splink import DuckDBAPI, Linker
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from caselink.linkage.persons.calibration import Calibration, fit_calibration, model_own
from caselink.linkage.persons.clustering import (
    THRESHOLD_CEILING,
    THRESHOLD_FLOOR,
    choose_threshold,
    cluster,
)
from caselink.linkage.persons.comparisons import (
    DETERMINISTIC_BLOCKS,
    PREDICTION_BLOCKS,
    TRAINING_BLOCKS,
    PersonModelSpec,
    day_month_swapped,
    deterministic_rules,
    model_settings,
    settings_creator,
    training_blocking_rules,
)
from caselink.linkage.persons.preparation import PREPARED_TABLE, one_row, prepare

ENTITY_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("entity_id", pa.string()),
        ("match_probability", pa.float64()),  # the strongest link into the entity; null alone
    ]
)


def with_records_alone(entities: pa.Table, unresolvable: pa.Table) -> pa.Table:
    """The entities, and each record that could not be compared as an entity of its own."""
    ids = unresolvable.column("unique_id")
    alone = pa.table(
        {
            "person_id": ids,
            "entity_id": pc.binary_join_element_wise("P", ids.cast(pa.string()), ""),
            "match_probability": pa.nulls(unresolvable.num_rows, pa.float64()),
        }
    )
    return pa.concat_tables([entities.cast(ENTITY_SCHEMA), alone.cast(ENTITY_SCHEMA)])


LABEL_SCHEMA = pa.schema([("person_id", pa.int64()), ("label", pa.string())])
# An analyst's verdict on a pair of records: "same", "different" (or "unsure", ignored).
PAIR_LABEL_SCHEMA = pa.schema(
    [("person_id_l", pa.int64()), ("person_id_r", pa.int64()), ("verdict", pa.string())]
)
# Below this many comparable records there is nothing to learn from: every record stands alone.
MIN_RECORDS_TO_TRAIN = 10

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class PersonResolution:
    """What a run produced: every record's entity, the trained model and the figures."""

    entities: pa.Table  # ENTITY_SCHEMA, one row per input record
    model: dict[str, Any]  # Splink settings with trained m, u and prior
    figures: dict[str, Any]
    # pairs near the threshold for an analyst to judge, each with the comparison that decided
    # it (``review_sample``)
    review: list[dict[str, Any]] = field(default_factory=list)


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 3)


def _block_pairs(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> int:
    """How many pairs agree on every one of ``columns`` (nulls agree with nothing)."""
    present = " AND ".join(f"({c}) IS NOT NULL" for c in columns)
    return int(
        one_row(
            con,
            f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n "
            f"FROM {PREPARED_TABLE} WHERE {present} GROUP BY {', '.join(columns)})",
        )[0]
    )


def _affordable(
    con: duckdb.DuckDBPyConnection,
    blocks: tuple[tuple[str, ...], ...],
    purpose: str,
    notes: list[str],
    limit: int,
) -> list[tuple[str, ...]]:
    """The blocks that make at most ``limit`` pairs each; the others are named in ``notes``
    (a value shared by too many records: one surname everywhere, identical records)."""
    kept = []
    for columns in blocks:
        pairs = _block_pairs(con, columns)
        if pairs > limit:
            notes.append(
                f"{purpose}: left out the block on {' + '.join(columns)} ({pairs:,} pairs, "
                f"more than {limit:,}: a value shared by too many records)"
            )
        else:
            kept.append(columns)
    return kept


def _swapped_affordable(con: duckdb.DuckDBPyConnection, notes: list[str], limit: int) -> bool:
    pairs = int(
        one_row(
            con,
            f"""WITH n AS (SELECT forename_std AS f, surname_std AS s, count(*) AS n
                FROM {PREPARED_TABLE} WHERE forename_std IS NOT NULL
                    AND surname_std IS NOT NULL GROUP BY 1, 2)
            SELECT coalesce(sum(a.n * b.n), 0) FROM n a JOIN n b ON a.f = b.s AND a.s = b.f""",
        )[0]
    )
    if pairs > limit:
        notes.append(f"scoring: left out the block on swapped names ({pairs:,} pairs)")
        return False
    return True


# Splink's own default for the chance two random records match, used when it cannot be estimated.
DEFAULT_PRIOR = 0.0001


def _train(
    linker: Linker,
    spec: PersonModelSpec,
    labelled: bool,
    notes: list[str],
    con: duckdb.DuckDBPyConnection | None = None,
) -> float:
    """Train ``linker`` in place; returns the prior (the chance two random records match).

    The prior is returned rather than read back from the linker afterwards: an expectation
    maximisation session that fails part way (a blocking rule with no pairs, such as phone on
    data without phones) leaves its own blocked-pair estimate in the linker's prior — 0.17
    where it should be 0.0002 on FEBRL 2 — which made every pair look a likely match. With
    ``con`` (the DuckDB connection holding the prepared records), blocks that would make too
    many pairs are left out (``spec.max_block_pairs``).
    """
    training = linker.training

    def affordable(blocks: tuple[tuple[str, ...], ...], purpose: str) -> list[tuple[str, ...]]:
        if con is None:
            return list(blocks)
        return _affordable(con, blocks, purpose, notes, spec.max_block_pairs)

    certain = affordable(DETERMINISTIC_BLOCKS, "prior")
    try:
        if not certain:
            raise ValueError("every near-certain rule makes too many pairs")
        training.estimate_probability_two_random_records_match(
            list[str | BlockingRuleCreator](deterministic_rules(certain)),
            recall=spec.deterministic_recall,
        )
    except Exception as exc:  # too few matches for the rules: keep Splink's default prior
        notes.append(f"prior not estimated ({type(exc).__name__}: {exc}); default kept")
    prior = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])
    if not 0.0 < prior < 1.0:  # no pair met the rules: nothing says how common matches are
        notes.append(f"prior estimated as {prior}; {DEFAULT_PRIOR} used instead")
        prior = DEFAULT_PRIOR
    training.estimate_u_using_random_sampling(max_pairs=spec.u_max_pairs, seed=spec.seed)
    for rule in training_blocking_rules(affordable(TRAINING_BLOCKS, "training")):
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception as exc:  # a rule with no pairs in small or sparse data
            notes.append(f"expectation maximisation skipped a rule ({type(exc).__name__})")
    if labelled:
        training.estimate_m_from_label_column("label")
    return prior


# No single disagreement may veto a link outright: people change phones, move and marry, and a
# synthetic or clean sample can teach the model otherwise. Levels never seen among the sampled
# non-matches get the rate the sample can bound ("not once in N pairs").
M_FLOOR = 0.001


def bounded_model(model: dict[str, Any], u_pairs: float) -> tuple[dict[str, Any], list[str]]:
    """``model`` with every m at least ``M_FLOOR`` and untrained m and u filled in; returns the
    adjusted copy and what was changed."""
    out = json.loads(json.dumps(model))
    changed: list[str] = []
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            name = f"{comparison['output_column_name']}: {level['label_for_charts']}"
            m = level.get("m_probability")
            if m is None or m < M_FLOOR:
                level["m_probability"] = M_FLOOR
                changed.append(f"m of {name} set to {M_FLOOR}")
            if level.get("u_probability") is None:
                level["u_probability"] = 1.0 / u_pairs
                changed.append(f"u of {name} set to 1/{u_pairs:.0f}")
    return out, changed


@contextmanager
def _quiet_splink() -> Iterator[None]:
    # Splink warns on its logger about levels the data never showed; the run records those in
    # its notes instead of printing them between a command's lines.
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _connect(threads: int | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def resolve(
    records: pa.Table,
    spec: PersonModelSpec | None = None,
    *,
    labels: pa.Table | None = None,
    pair_labels: pa.Table | None = None,
    today: date | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
) -> PersonResolution:
    """Resolve person records into entities (see the module docstring).

    ``records`` follows ``PERSON_RECORD_SCHEMA`` (only ``person_id`` and ``role`` are
    required); ``labels`` is ``LABEL_SCHEMA`` for any subset of them. ``pair_labels``
    (``PAIR_LABEL_SCHEMA``) are analysts' verdicts on pairs of records: a pair labelled
    ``different`` never ends in one entity, a pair labelled ``same`` always does (unless that
    would join a pair labelled different). Records with nothing to compare are entities of
    their own and counted as unresolvable; nothing in a record's content makes the run fail.
    """
    with _quiet_splink():
        return _resolve(
            records, spec or PersonModelSpec(), labels, pair_labels, today, threads, progress
        )


def _resolve(
    records: pa.Table,
    spec: PersonModelSpec,
    labels: pa.Table | None,
    pair_labels: pa.Table | None,
    today: date | None,
    threads: int | None,
    progress: Progress | None,
) -> PersonResolution:
    today = today or datetime.now(UTC).date()
    say = progress or (lambda _stage: None)
    clock = _Clock()
    notes: list[str] = []
    con = _connect(threads)
    try:
        say("preparing records")
        with clock.stage("prepare"):
            prepared, unresolvable = prepare(con, records, today=today)
            labelled = 0
            if labels is not None and labels.num_rows:
                labelled = _attach_labels(con, labels)
        model = model_settings(spec)
        links = 0
        review: list[dict[str, Any]] = []
        if prepared.resolvable >= MIN_RECORDS_TO_TRAIN:
            db_api = DuckDBAPI(con)
            sdf = db_api.register(PREPARED_TABLE)
            limit = spec.max_block_pairs
            blocks = _affordable(con, PREDICTION_BLOCKS, "scoring", notes, limit)
            swapped = _swapped_affordable(con, notes, limit)
            linker = Linker(sdf, settings_creator(spec, blocks, swapped), log_level=None)
            say("training the model")
            with clock.stage("train"):
                prior = _train(linker, spec, labelled > 0, notes, con)
                trained = linker.misc.save_model_to_json()
                trained["probability_two_random_records_match"] = prior
                model, changed = bounded_model(trained, spec.u_max_pairs)
                notes.extend(changed)
                linker = Linker(sdf, model, log_level=None)
            say("scoring candidate pairs")
            with clock.stage("predict"):
                # Pairs below the lowest threshold a run may choose too: they can still join a
                # record to a person named in many reports (see _attachments).
                lowest = spec.threshold if spec.target_precision is None else THRESHOLD_FLOOR
                predictions = linker.inference.predict(
                    threshold_match_weight=_weight(lowest) - ATTACH_REACH
                )
            say("forming entities")
            with clock.stage("cluster"):
                formed = _form_entities(con, linker, predictions, spec, pair_labels, notes)
                entities, links, decided, weak = formed
            with clock.stage("review"):
                review = review_sample(con, sdf, model, decided["threshold"], spec.seed, weak)
        else:
            decided = {"threshold": spec.threshold, "expected_precision": None}
            notes.append(
                f"{prepared.resolvable} comparable record(s): too few to train; each stands "
                "alone unless labelled the same"
            )
            labelled_same = cluster(
                [],
                [],
                [],
                together=_pairs_of(pair_labels, "same"),
                apart=_pairs_of(pair_labels, "different"),
            )
            _write_clusters(con, labelled_same.members)
            entities = con.sql(
                f"SELECT unique_id AS person_id, 'P' || cluster_id AS entity_id, "
                f"NULL::DOUBLE AS match_probability FROM {CLUSTERS_TABLE}"
            ).to_arrow_table()
        entities = with_records_alone(entities, unresolvable)
        with clock.stage("figures"):
            structure = _structure(con, entities, records)
    finally:
        con.close()
    figures: dict[str, Any] = {
        **prepared.to_dict(),
        "labelled": labelled,
        "links": links,
        **structure,
        **decided,
        "prior": model.get("probability_two_random_records_match"),
        "spec": spec.to_dict(),
        "seconds": clock.seconds,
        "notes": notes,
    }
    return PersonResolution(entities, model, figures, review)


# How far below the threshold (in bits) a pair may score and still join a small group to a
# larger one; a group of n records adds log2(n) bits, so 7 bits reaches groups of up to 128.
ATTACH_REACH = 7.0
LINKS_TABLE = "person_links"


def _weight(probability: float) -> float:
    return math.log2(probability / (1.0 - probability))


def _attachments(
    con: duckdb.DuckDBPyConnection, predictions: str, clusters: str, threshold: float
) -> list[tuple[int, int]]:
    """Join small groups to the person named in many reports they best resemble.

    Writes ``person_links``: the pairs at or above the threshold, and one link for every group
    (the components of those pairs) that joins a larger group. A person named in n reports is
    n times likelier than a person named once to be the one a new record names, so the best
    pair between the two groups gains log2(n) bits (n >= 2). A group joins only one larger
    group, only when it is the single one within reach, and never when any record of one
    contradicts a record of the other on date of birth, phone or identifier (typos aside).
    Returns each join as (the joining group's first record, the larger group's first record).
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE person_groups AS
        SELECT c.unique_id, c.cluster_id, count(*) OVER (PARTITION BY c.cluster_id) AS size,
            min(c.unique_id) OVER (PARTITION BY c.cluster_id) AS first_id,
            p.dob, p.dob_year, p.phone_std, p.identifiers
        FROM {clusters} c JOIN {PREPARED_TABLE} p USING (unique_id)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE person_attach AS
        WITH across AS (
            SELECT l.cluster_id AS cl, l.size AS sl, r.cluster_id AS cr, r.size AS sr,
                l.first_id AS fl, r.first_id AS fr, p.match_weight AS w
            FROM {predictions} p
            JOIN person_groups l ON l.unique_id = p.unique_id_l
            JOIN person_groups r ON r.unique_id = p.unique_id_r
            WHERE l.cluster_id <> r.cluster_id
        ),
        oriented AS (  -- a: the smaller group, b: the larger (ties by id)
            SELECT CASE WHEN small THEN cl ELSE cr END AS a,
                CASE WHEN small THEN cr ELSE cl END AS b,
                CASE WHEN small THEN fl ELSE fr END AS first_a,
                CASE WHEN small THEN fr ELSE fl END AS first_b,
                CASE WHEN small THEN sr ELSE sl END AS size_b, w
            FROM (SELECT *, sl < sr OR (sl = sr AND cl < cr) AS small FROM across)
        ),
        scored AS (
            SELECT a, b, first_a, first_b, max(w) + log2(size_b) AS score
            FROM oriented WHERE size_b >= 2
            GROUP BY a, b, first_a, first_b, size_b
            HAVING max(w) + log2(size_b) >= {_weight(threshold)}
        ),
        contradicted AS (
            SELECT DISTINCT s.a, s.b
            FROM scored s
            JOIN person_groups x ON x.cluster_id = s.a
            JOIN person_groups y ON y.cluster_id = s.b
            WHERE (x.dob <> y.dob AND levenshtein(x.dob, y.dob) > 1
                    AND NOT ({day_month_swapped("x.dob", "y.dob")}))
                OR abs(x.dob_year - y.dob_year) > 1
                OR (x.phone_std <> y.phone_std AND levenshtein(x.phone_std, y.phone_std) > 1)
                OR NOT list_has_any(x.identifiers, y.identifiers)
        ),
        allowed AS (
            SELECT s.*, count(*) OVER (PARTITION BY s.a) AS choices
            FROM scored s ANTI JOIN contradicted c ON c.a = s.a AND c.b = s.b
        )
        SELECT first_a AS unique_id_l, first_b AS unique_id_r,
            1.0 / (1.0 + pow(2.0, -score)) AS match_probability
        FROM allowed WHERE choices = 1
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {LINKS_TABLE} AS
        SELECT unique_id_l, unique_id_r, match_probability FROM {predictions}
        WHERE match_probability >= {threshold}
        UNION ALL
        SELECT unique_id_l, unique_id_r, match_probability FROM person_attach
        """
    )
    joins = con.execute("SELECT unique_id_l, unique_id_r FROM person_attach").fetchall()
    con.execute("DROP TABLE person_groups")
    con.execute("DROP TABLE person_attach")
    return [(int(a), int(b)) for a, b in joins]


MERGED_TABLE = "person_merged_clusters"


def _merge_joined(
    con: duckdb.DuckDBPyConnection, clusters: str, joins: list[tuple[int, int]]
) -> str:
    """``clusters`` with every joined group merged into the group it joined; returns the table.

    The same components as clustering ``person_links`` again, since the clusters are the
    components of its pairs above the threshold and the joins are its only other pairs; but
    joins are few (hundreds in a million records), so a union of groups here costs a fraction
    of a second where clustering again cost one.
    """
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in joins:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    merged = pa.table(
        {
            "first_id": pa.array(list(parent), pa.int64()),
            "root_id": pa.array([root(x) for x in parent], pa.int64()),
        }
    )
    con.register("person_merges", merged)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {MERGED_TABLE} AS
            SELECT g.unique_id, coalesce(m.root_id, g.first_id) AS cluster_id
            FROM (
                SELECT unique_id, min(unique_id) OVER (PARTITION BY cluster_id) AS first_id
                FROM {clusters}
            ) g LEFT JOIN person_merges m USING (first_id)
            """
        )
    finally:
        con.unregister("person_merges")
    return MERGED_TABLE


def _pairs_of(table: pa.Table | None, verdict: str) -> list[tuple[int, int]]:
    if table is None or table.num_rows == 0:
        return []
    rows = table.filter(pc.equal(table.column("verdict"), verdict))
    return list(
        zip(
            rows.column("person_id_l").to_pylist(),
            rows.column("person_id_r").to_pylist(),
            strict=True,
        )
    )


def _edges(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, Any, Any]:
    found = con.execute(sql).fetchnumpy()
    return found["unique_id_l"], found["unique_id_r"], found["match_probability"]


CLUSTERS_TABLE = "person_clusters"
FLAGGED_LISTED = 100  # flagged entities named in the figures; all are counted
DIRECT_TABLE = "person_direct_scores"


def _write_clusters(con: duckdb.DuckDBPyConnection, members: dict[int, int]) -> None:
    # every comparable record's cluster: its lowest record id, or its own id alone
    assigned = pa.table(
        {
            "unique_id": pa.array(list(members), pa.int64()),
            "cluster_id": pa.array(list(members.values()), pa.int64()),
        }
    )
    con.register("person_assigned", assigned)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {CLUSTERS_TABLE} AS
            SELECT p.unique_id, coalesce(a.cluster_id, p.unique_id) AS cluster_id
            FROM {PREPARED_TABLE} p LEFT JOIN person_assigned a USING (unique_id)
            """
        )
    finally:
        con.unregister("person_assigned")


def _link_duplicates(con: duckdb.DuckDBPyConnection) -> int:
    """Link records identical in every compared field, with a full name and a date of birth
    or an identifier, to the first of them (probability 1); returns how many were linked.

    The model learns what agreement is worth from how rarely random pairs agree; where every
    record is the same, every pair agrees and agreement is worth nothing, so identical records
    would each stand alone. Identical records are one person's, whatever the model says.
    """
    con.execute(
        f"""
        INSERT INTO {LINKS_TABLE}
        SELECT first_id, unique_id, 1.0 FROM (
            SELECT unique_id, min(unique_id) OVER (
                PARTITION BY full_name, dob, postcode_std, address_std, phone_std,
                    identifiers, alias_names
            ) AS first_id
            FROM {PREPARED_TABLE}
            WHERE full_name IS NOT NULL AND (dob IS NOT NULL OR identifiers IS NOT NULL)
        ) WHERE unique_id <> first_id
        """
    )
    return int(one_row(con, f"SELECT count(*) FROM {LINKS_TABLE} WHERE match_probability = 1.0")[0])


def _form_entities(
    con: duckdb.DuckDBPyConnection,
    linker: Linker,
    predictions: Any,
    spec: PersonModelSpec,
    pair_labels: pa.Table | None,
    notes: list[str],
) -> tuple[pa.Table, int, dict[str, Any], list[tuple[int, int]]]:
    """Entities from the scored pairs, precision first; returns the entity table of the
    comparable records, the number of links, what was decided (threshold, expected
    precision, entities flagged and split) and the weak pairs left inside entities."""
    scored = predictions.physical_name
    calibration = _calibration(con, linker, pair_labels)
    model_threshold = None
    if spec.target_precision is not None:
        found = con.execute(
            f"SELECT match_probability, match_weight FROM {scored} "
            f"WHERE match_probability >= {THRESHOLD_FLOOR}"
        ).fetchnumpy()
        probabilities = found["match_probability"]
        choice = choose_threshold(probabilities, spec.target_precision)
        model_threshold = choice.threshold
        if calibration.used:
            calibrated = calibration.probability(found["match_weight"])
            # the floor and the ceiling hold for the calibrated probabilities
            floor = max(THRESHOLD_FLOOR, calibration.model_probability(THRESHOLD_FLOOR))
            ceiling = max(floor, calibration.model_probability(THRESHOLD_CEILING))
            choice = choose_threshold(
                probabilities, spec.target_precision, calibrated, (floor, ceiling)
            )
        threshold = choice.threshold
        if calibration.used:
            notes.append(f"threshold chosen from {calibration.line()}")
    else:
        threshold = spec.threshold
    together, apart = _pairs_of(pair_labels, "same"), _pairs_of(pair_labels, "different")
    links_sql = (
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {scored} "
        f"WHERE match_probability >= {threshold}"
    )
    first = cluster(*_edges(con, links_sql), together=together, apart=apart)
    _write_clusters(con, first.members)
    joins = _attachments(con, scored, CLUSTERS_TABLE, threshold)
    if joins:
        notes.append(f"{len(joins)} group(s) joined to a person named in several reports")
    duplicates = _link_duplicates(con)
    if duplicates:
        notes.append(f"{duplicates} record(s) identical to another in every field: linked")
    edges = _edges(con, f"SELECT * FROM {LINKS_TABLE}")
    grouped = cluster(*edges, together=together, apart=apart)
    _write_clusters(con, grouped.members)
    # Every pair inside each entity of three or more, scored directly: a chain of strong links
    # can join two records the model, asked about them, calls two people.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE person_check AS
        SELECT unique_id, cluster_id FROM (
            SELECT *, count(*) OVER (PARTITION BY cluster_id) AS n FROM {CLUSTERS_TABLE}
        ) WHERE n BETWEEN 3 AND {int(spec.check_max)}
        """
    )
    too_large = one_row(
        con,
        f"SELECT count(*) FROM (SELECT cluster_id FROM {CLUSTERS_TABLE} GROUP BY 1 "
        f"HAVING count(*) > {int(spec.check_max)})",
    )[0]
    missing = linker.inference._score_missing_cluster_edges(
        linker._db_api.register("person_check"),
        predictions,
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {DIRECT_TABLE} AS
        SELECT unique_id_l, unique_id_r, match_weight, match_probability FROM {scored}
        UNION ALL
        SELECT unique_id_l, unique_id_r, match_weight, match_probability
        FROM {missing.physical_name}
        """
    )
    weak = con.execute(
        f"""
        SELECT d.unique_id_l, d.unique_id_r, d.match_probability FROM {DIRECT_TABLE} d
        JOIN person_check l ON l.unique_id = d.unique_id_l
        JOIN person_check r ON r.unique_id = d.unique_id_r
        WHERE l.cluster_id = r.cluster_id AND d.match_probability < {spec.weak_link}
        """
    ).fetchall()
    to_split = [(int(a), int(b)) for a, b, p in weak if p < spec.split_below]
    split = 0
    if to_split:
        checked = grouped.members
        before = len(set(checked.values()))
        grouped = cluster(*edges, together=together, apart=[*apart, *to_split])
        _write_clusters(con, grouped.members)
        split = len({grouped.members.get(x, x) for x in checked}) - before
        notes.append(
            f"{len(to_split)} pair(s) inside entities scored below {spec.split_below}: "
            f"{split} entit(ies) split off to keep them apart"
        )
    inside = [
        (int(a), int(b))
        for a, b, _ in weak
        if a in grouped.members and grouped.members[a] == grouped.members.get(b)
    ]
    flagged = sorted({f"P{grouped.members[a]}" for a, _ in inside})
    if grouped.refused_same:
        notes.append(
            f"{grouped.refused_same} pair(s) labelled the same could not be kept together: "
            "a pair labelled different would have been joined"
        )
    expected_pairwise = one_row(
        con,
        f"""
        WITH c AS (
            SELECT *, count(*) OVER (PARTITION BY cluster_id) AS n FROM {CLUSTERS_TABLE}
        ),
        inside AS (
            SELECT l.unique_id AS a, r.unique_id AS b FROM c l JOIN c r
                ON l.cluster_id = r.cluster_id AND l.unique_id < r.unique_id
            WHERE l.n BETWEEN 2 AND {int(spec.check_max)}
        )
        SELECT avg(d.match_probability), count(*), count(d.match_probability) FROM inside i
        LEFT JOIN (
            SELECT least(unique_id_l, unique_id_r) AS a, greatest(unique_id_l, unique_id_r) AS b,
                max(match_probability) AS match_probability
            FROM {DIRECT_TABLE} GROUP BY 1, 2
        ) d USING (a, b)
        """,
    )
    above = con.execute(
        f"SELECT match_weight FROM {scored} WHERE match_probability >= {threshold}"
    ).fetchnumpy()["match_weight"]
    model_expected = _mean_or_none(_probability(above))
    entities, links = _entities(con, LINKS_TABLE, CLUSTERS_TABLE)
    decided: dict[str, Any] = {
        "threshold": round(threshold, 6),
        "target_precision": spec.target_precision,
        # the analysts' calibration's expectation when it was used, else the model's own
        "expected_precision": (
            _mean_or_none(calibration.probability(above)) if calibration.used else model_expected
        ),
        "model_expected_precision": model_expected,
        "calibration": calibration.to_dict() | {"model_threshold": model_threshold},
        "expected_pairwise_precision": (
            None if expected_pairwise[0] is None else round(float(expected_pairwise[0]), 6)
        ),
        "pairs_inside_entities": int(expected_pairwise[1]),
        "weak_pairs": len(inside),
        "entities_flagged": len(flagged),
        "flagged_entities": flagged[:FLAGGED_LISTED],
        "pairs_split": len(to_split),
        "entities_split": split,
        "entities_too_large_to_check": int(too_large),
        "labelled_pairs_same": len(together),
        "labelled_pairs_different": len(apart),
        "links_refused": grouped.refused,
    }
    return entities, links, decided, inside


def _probability(match_weight: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp2(-np.asarray(match_weight, dtype=np.float64)))
    return out


def _mean_or_none(values: np.ndarray) -> float | None:
    return round(float(values.mean()), 6) if values.size else None


VERDICTS_TABLE = "person_verdict_pairs"


def _calibration(
    con: duckdb.DuckDBPyConnection, linker: Linker, pair_labels: pa.Table | None
) -> Calibration:
    """The analysts' verdicts (same or different) against this run's model: each labelled pair
    is scored again, whether or not blocking made it a candidate, and the calibration fitted
    to their match weights (``calibration.fit_calibration``)."""
    same, different = _pairs_of(pair_labels, "same"), _pairs_of(pair_labels, "different")
    if not same and not different:
        return model_own(0, 0, "no verdicts yet")
    verdict = {(min(a, b), max(a, b)): True for a, b in same}
    verdict.update({(min(a, b), max(a, b)): False for a, b in different})
    pairs = list(verdict)
    con.register(
        "person_verdict_input",
        pa.table(
            {
                "unique_id": pa.array([x for pair in pairs for x in pair], pa.int64()),
                "cluster_id": pa.array([i for i in range(len(pairs)) for _ in (0, 1)], pa.int64()),
            }
        ),
    )
    try:
        # only records this run compares: a record that is gone or unresolvable has no score
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {VERDICTS_TABLE} AS
            SELECT * FROM person_verdict_input WHERE cluster_id IN (
                SELECT cluster_id FROM person_verdict_input v
                JOIN {PREPARED_TABLE} p USING (unique_id)
                GROUP BY cluster_id HAVING count(*) = 2
            )
            """
        )
    finally:
        con.unregister("person_verdict_input")
    weights: list[float] = []
    judged: list[bool] = []
    if one_row(con, f"SELECT count(*) FROM {VERDICTS_TABLE}")[0]:
        rescored = linker.inference._score_missing_cluster_edges(
            linker._db_api.register(VERDICTS_TABLE)
        )
        for a, b, weight in con.execute(
            f"SELECT unique_id_l, unique_id_r, match_weight FROM {rescored.physical_name}"
        ).fetchall():
            key = (min(int(a), int(b)), max(int(a), int(b)))
            if key in verdict and weight is not None:
                weights.append(float(weight))
                judged.append(verdict.pop(key))
    return fit_calibration(np.array(weights), np.array(judged, dtype=bool))


# Pairs offered for review: within this many bits of the threshold's match weight, at most
# this many, half above and half below it where there are enough.
REVIEW_BITS = 6.0
REVIEW_PAIRS = 200


def _levels(model: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
    """Each comparison's levels as (match weight, label), null level first at weight 0."""
    out: dict[str, list[tuple[float, str]]] = {}
    for comparison in model["comparisons"]:
        levels: list[tuple[float, str]] = []
        for level in comparison["comparison_levels"]:
            label = str(level.get("label_for_charts", ""))
            if level.get("is_null_level"):
                levels.insert(0, (0.0, label or "null on either side"))
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = math.log2(m / u) if m and u else 0.0
            levels.append((weight, label))
        out[comparison["output_column_name"]] = levels
    return out


def _level(levels: list[tuple[float, str]], weight: float | None, null: bool) -> str:
    # Splink gives each comparison's match weight, not its level; the level is the one whose
    # weight it is (the null level when a side was empty).
    if weight is None:
        return ""
    nearest = min(levels[1:] or levels, key=lambda lv: abs(lv[0] - weight))
    if null and abs(nearest[0]) > 1e-3:
        return levels[0][1]
    return min(levels[1:] or levels, key=lambda lv: abs(lv[0] - weight))[1]


def review_sample(
    con: duckdb.DuckDBPyConnection,
    sdf: Any,
    model: dict[str, Any],
    threshold: float,
    seed: int,
    weak: Sequence[tuple[int, int]] = (),
) -> list[dict[str, Any]]:
    """Pairs near ``threshold`` for review, each with its comparisons: for every comparison the
    level that held and its match weight (log2 of the Bayes factor, term frequency included).

    First the ``weak`` pairs (inside an entity, yet scored as likelier two people), then pairs
    drawn at random (seeded) from the scored pairs within ``REVIEW_BITS`` of the threshold's
    match weight, half above and half below; no record in two pairs. Scored again with
    Splink's intermediate columns kept, so the evidence shown is Splink's own.
    """
    centre = _weight(threshold)
    candidates = con.execute(
        f"""
        SELECT unique_id_l, unique_id_r, match_probability >= {threshold} AS above
        FROM {DIRECT_TABLE}
        WHERE match_weight BETWEEN {centre - REVIEW_BITS} AND {centre + REVIEW_BITS}
        ORDER BY hash(unique_id_l * 1000003 + unique_id_r + {int(seed)})
        LIMIT {REVIEW_PAIRS * 20}
        """
    ).fetchall()
    used: set[int] = set()
    chosen: list[tuple[int, int]] = []
    for a, b in weak[: REVIEW_PAIRS // 4]:
        if a not in used and b not in used:
            chosen.append((a, b))
            used.update((a, b))
    wanted = {True: REVIEW_PAIRS // 2, False: REVIEW_PAIRS - REVIEW_PAIRS // 2}
    for a, b, above in candidates:
        if wanted[bool(above)] and a not in used and b not in used:
            chosen.append((int(a), int(b)))
            used.update((int(a), int(b)))
            wanted[bool(above)] -= 1
    if not chosen:
        return []
    pairs = pa.table(
        {
            "unique_id": pa.array([x for pair in chosen for x in pair], pa.int64()),
            "cluster_id": pa.array([i for i, _ in enumerate(chosen) for _ in (0, 1)], pa.int64()),
        }
    )
    settings = json.loads(json.dumps(model))
    settings["retain_intermediate_calculation_columns"] = True
    explaining = Linker(sdf, settings, log_level=None)
    con.register("person_review_input", pairs)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE person_review AS SELECT * FROM person_review_input"
        )
    finally:
        con.unregister("person_review_input")
    scored = explaining.inference._score_missing_cluster_edges(
        explaining._db_api.register("person_review")
    )
    rows = con.sql(f"SELECT * FROM {scored.physical_name}").to_arrow_table().to_pylist()
    levels = _levels(model)
    flagged_pairs = {(min(a, b), max(a, b)) for a, b in weak}
    cluster_of = dict(
        con.execute(
            f"SELECT unique_id, cluster_id FROM {CLUSTERS_TABLE} "
            "WHERE unique_id IN (SELECT unique_id FROM person_review)"
        ).fetchall()
    )
    out = []
    for row in rows:
        comparisons = []
        for name, named in levels.items():
            weight = row.get(f"mw_{name}")
            adjustment = row.get(f"mw_tf_adj_{name}") or 0.0
            comparisons.append(
                {
                    "comparison": name,
                    "level": _level(named, weight, weight == 0.0 and not adjustment),
                    "match_weight": None if weight is None else round(weight + adjustment, 3),
                }
            )
        out.append(
            {
                "person_id_l": int(row["unique_id_l"]),
                "person_id_r": int(row["unique_id_r"]),
                "match_probability": float(row["match_probability"]),
                "match_weight": round(float(row["match_weight"]), 3),
                "inside_flagged_entity": (int(row["unique_id_l"]), int(row["unique_id_r"]))
                in flagged_pairs,
                "linked": cluster_of.get(row["unique_id_l"], row["unique_id_l"])
                == cluster_of.get(row["unique_id_r"], row["unique_id_r"]),
                "comparisons": comparisons,
            }
        )
    out.sort(key=lambda r: abs(r["match_weight"] - centre))
    return out


def _attach_labels(con: duckdb.DuckDBPyConnection, labels: pa.Table) -> int:
    labels = labels.select(["person_id", "label"]).cast(LABEL_SCHEMA)
    con.register("person_labels", labels)
    con.execute(f"ALTER TABLE {PREPARED_TABLE} ADD COLUMN label VARCHAR")
    con.execute(
        f"UPDATE {PREPARED_TABLE} p SET label = l.label FROM person_labels l "
        "WHERE l.person_id = p.unique_id"
    )
    con.unregister("person_labels")
    return int(one_row(con, f"SELECT count(label) FROM {PREPARED_TABLE}")[0])


def _entities(
    con: duckdb.DuckDBPyConnection, predictions: str, clusters: str
) -> tuple[pa.Table, int]:
    # A record's probability is that of the strongest link above the threshold touching it;
    # the entity is named after its lowest record id, so the same grouping gets the same name.
    table = con.sql(
        f"""
        WITH ends AS (
            SELECT unique_id_l AS id, match_probability FROM {predictions}
            UNION ALL
            SELECT unique_id_r AS id, match_probability FROM {predictions}
        ),
        best AS (SELECT id, max(match_probability) AS p FROM ends GROUP BY id),
        named AS (
            SELECT unique_id, min(unique_id) OVER (PARTITION BY cluster_id) AS first_id
            FROM {clusters}
        )
        SELECT n.unique_id AS person_id, 'P' || n.first_id AS entity_id,
            b.p AS match_probability
        FROM named n LEFT JOIN best b ON b.id = n.unique_id
        """
    ).to_arrow_table()
    return table, int(one_row(con, f"SELECT count(*) FROM {predictions}")[0])


def _structure(
    con: duckdb.DuckDBPyConnection, entities: pa.Table, records: pa.Table
) -> dict[str, Any]:
    roles = records.select(["person_id", "role"])
    con.register("entity_rows", entities)
    con.register("role_rows", roles)
    try:
        row = one_row(
            con,
            """
            WITH e AS (
                SELECT r.entity_id, count(*) AS n, count(DISTINCT o.role) AS roles,
                    bool_or(o.role = 'complainant') AND bool_or(o.role = 'suspect') AS cs
                FROM entity_rows r JOIN role_rows o USING (person_id)
                GROUP BY r.entity_id
            )
            SELECT count(*), count(*) FILTER (WHERE n > 1), coalesce(max(n), 0),
                count(*) FILTER (WHERE roles > 1), count(*) FILTER (WHERE cs),
                count(*) FILTER (WHERE n = 2), count(*) FILTER (WHERE n BETWEEN 3 AND 5),
                count(*) FILTER (WHERE n > 5)
            FROM e
            """,
        )
    finally:
        con.unregister("entity_rows")
        con.unregister("role_rows")
    total, multi, largest, several_roles, cs, two, few, many = (int(v) for v in row)
    return {
        "entities": total,
        "entities_with_several_records": multi,
        "largest_entity": largest,
        "entity_sizes": {"1": total - multi, "2": two, "3-5": few, "6+": many},
        "entities_with_several_roles": several_roles,
        "complainant_and_suspect": cs,
    }
