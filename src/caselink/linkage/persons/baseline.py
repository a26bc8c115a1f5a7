"""A plain Splink model to measure caselink's person resolution against.

Nothing here is tuned to any data set: the comparisons are Splink's own library comparisons on
the record's fields as stored (lower-cased, trimmed), the training is the sequence Splink's
tutorials teach, and the threshold is the one they cluster at. If caselink's model cannot beat
this on a set it was not built on, the extra machinery is not earning its keep. docs/persons.md
("Measured against plain Splink") lists the configuration.
"""

import logging
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from caselink.linkage.persons.preparation import check_records

BASELINE_THRESHOLD = 0.95
BASELINE_U_PAIRS = 1e6
BASELINE_SEED = 42
# Splink's tutorials estimate the prior from rules thought to find most matches.
BASELINE_PRIOR_RULES = (
    "l.forename = r.forename AND l.surname = r.surname AND l.dob = r.dob",
    "l.identifiers = r.identifiers",
)
BASELINE_PRIOR_RECALL = 0.7


def baseline_settings() -> SettingsCreator:
    """The plain configuration: Splink library comparisons on the raw fields."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("forename"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
            cl.ExactMatch("phone"),
            cl.ExactMatch("identifiers"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("forename", "surname"),
            block_on("surname", "dob"),
            block_on("forename", "dob"),
            block_on("postcode", "surname"),
            block_on("identifiers"),
            block_on("phone"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _raw_fields_sql() -> str:
    def text(column: str) -> str:
        return f"nullif(lower(trim({column})), '')"

    return f"""
        SELECT person_id AS unique_id, {text("forename")} AS forename,
            {text("surname")} AS surname, CAST(dob AS VARCHAR) AS dob,
            {text("postcode")} AS postcode, {text("address")} AS address,
            {text("phone")} AS phone, {text("identifiers")} AS identifiers
        FROM baseline_input
    """


@dataclass(frozen=True, slots=True)
class BaselineResult:
    entities: pa.Table  # person_id, entity_id
    model: dict[str, Any]
    links: int


def baseline_resolve(records: pa.Table, threshold: float = BASELINE_THRESHOLD) -> BaselineResult:
    """Cluster ``records`` (``PERSON_RECORD_SCHEMA``) with the plain configuration.

    Every record gets an entity (``'B'`` and the lowest record id of its cluster).
    """
    records = check_records(records)
    con = duckdb.connect()
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)  # warnings of untrained levels, as in a run's notes
    try:
        con.register("baseline_input", records)
        table = con.sql(_raw_fields_sql()).to_arrow_table()
        con.unregister("baseline_input")
        sdf = DuckDBAPI(con).register(table)
        linker = Linker(sdf, baseline_settings(), log_level=None)
        training = linker.training
        # no pair meeting the rules in tiny data leaves Splink's default prior
        with suppress(Exception):
            training.estimate_probability_two_random_records_match(
                list(BASELINE_PRIOR_RULES), recall=BASELINE_PRIOR_RECALL
            )
        training.estimate_u_using_random_sampling(max_pairs=BASELINE_U_PAIRS, seed=BASELINE_SEED)
        for rule in (block_on("forename", "surname"), block_on("dob")):
            with suppress(Exception):  # a rule without pairs in small data
                training.estimate_parameters_using_expectation_maximisation(rule)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        links = int(
            con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchall()[0][0]
        )
        entities = con.sql(
            f"""SELECT unique_id AS person_id,
                'B' || min(unique_id) OVER (PARTITION BY cluster_id) AS entity_id
            FROM {clusters.physical_name}"""
        ).to_arrow_table()
        model = linker.misc.save_model_to_json()
    finally:
        splink_logger.setLevel(level)
        con.close()
    return BaselineResult(entities, model, links)
