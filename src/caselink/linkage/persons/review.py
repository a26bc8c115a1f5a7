"""The pairs a run offers analysts to judge: near the threshold and inside flagged entities, each
with the comparison that decided it, in Splink's own levels and weights."""

import json
import math
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa
from splink import Linker

from caselink.linkage.persons.entities import CLUSTERS_TABLE, DIRECT_TABLE, weight_of

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
    centre = weight_of(threshold)
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
