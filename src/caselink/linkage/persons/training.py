"""Training the person model on DuckDB: the prior from near-certain rules, u from random pairs, m
by expectation maximisation (and from labelled records), within what each block can afford.

The same steps train a run on one machine (``resolution``) and the driver's share of a run on
Spark (``caselink.linkage.spark.persons``), so the engines cannot drift apart.
"""

import json
from typing import Any

import duckdb
from splink import Linker
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from caselink.linkage.persons.comparisons import (
    DETERMINISTIC_BLOCKS,
    TRAINING_BLOCKS,
    PersonModelSpec,
    deterministic_rules,
    training_blocking_rules,
)
from caselink.linkage.persons.preparation import PREPARED_TABLE, one_row


def block_pairs(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> int:
    """How many pairs agree on every one of ``columns`` (nulls agree with nothing)."""
    present = " AND ".join(f"({c}) IS NOT NULL" for c in columns)
    return int(
        one_row(
            con,
            f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n "
            f"FROM {PREPARED_TABLE} WHERE {present} GROUP BY {', '.join(columns)})",
        )[0]
    )


def affordable_blocks(
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
        pairs = block_pairs(con, columns)
        if pairs > limit:
            notes.append(
                f"{purpose}: left out the block on {' + '.join(columns)} ({pairs:,} pairs, "
                f"more than {limit:,}: a value shared by too many records)"
            )
        else:
            kept.append(columns)
    return kept


def swapped_names_affordable(con: duckdb.DuckDBPyConnection, notes: list[str], limit: int) -> bool:
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


def train(
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
        return affordable_blocks(con, blocks, purpose, notes, spec.max_block_pairs)

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
