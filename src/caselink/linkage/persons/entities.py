"""From scored pairs to entities, on DuckDB: the threshold (the model's own or recalibrated from
analysts' verdicts), the clusters, small groups joined to a person named in many reports,
identical records linked, and every entity checked pair by pair.

``clustering`` holds the pure choices (threshold, union of groups); this module runs them over
the scored pairs a run keeps in DuckDB, for both engines. docs/persons.md ("Threshold and
entities") explains the choices.
"""

import math
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker

from caselink.domain.person import ENTITY_PREFIX, entity_name
from caselink.linkage.persons.calibration import Calibration, fit_calibration, model_own
from caselink.linkage.persons.clustering import (
    THRESHOLD_CEILING,
    THRESHOLD_FLOOR,
    choose_threshold,
    cluster,
)
from caselink.linkage.persons.comparisons import PersonModelSpec, day_month_swapped
from caselink.linkage.persons.preparation import PREPARED_TABLE, one_row

# How far below the threshold (in bits) a pair may score and still join a small group to a
# larger one; a group of n records adds log2(n) bits, so 7 bits reaches groups of up to 128.
ATTACH_REACH = 7.0
LINKS_TABLE = "person_links"


def weight_of(probability: float) -> float:
    return math.log2(probability / (1.0 - probability))


def attachments(
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
            HAVING max(w) + log2(size_b) >= {weight_of(threshold)}
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


def merge_joined(
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


def pairs_of(table: pa.Table | None, verdict: str) -> list[tuple[int, int]]:
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


def write_clusters(con: duckdb.DuckDBPyConnection, members: dict[int, int]) -> None:
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


def form_entities(
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
    together, apart = pairs_of(pair_labels, "same"), pairs_of(pair_labels, "different")
    links_sql = (
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {scored} "
        f"WHERE match_probability >= {threshold}"
    )
    first = cluster(*_edges(con, links_sql), together=together, apart=apart)
    write_clusters(con, first.members)
    joins = attachments(con, scored, CLUSTERS_TABLE, threshold)
    if joins:
        notes.append(f"{len(joins)} group(s) joined to a person named in several reports")
    duplicates = _link_duplicates(con)
    if duplicates:
        notes.append(f"{duplicates} record(s) identical to another in every field: linked")
    edges = _edges(con, f"SELECT * FROM {LINKS_TABLE}")
    grouped = cluster(*edges, together=together, apart=apart)
    write_clusters(con, grouped.members)
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
        write_clusters(con, grouped.members)
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
    flagged = sorted({entity_name(grouped.members[a]) for a, _ in inside})
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
    same, different = pairs_of(pair_labels, "same"), pairs_of(pair_labels, "different")
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
        SELECT n.unique_id AS person_id, '{ENTITY_PREFIX}' || n.first_id AS entity_id,
            b.p AS match_probability
        FROM named n LEFT JOIN best b ON b.id = n.unique_id
        """
    ).to_arrow_table()
    return table, int(one_row(con, f"SELECT count(*) FROM {predictions}")[0])
