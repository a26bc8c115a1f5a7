"""Person resolution with Splink's Spark backend: the same settings object, another engine.

The model is the one ``caselink.linkage.persons`` defines (``settings_creator``): one
specification, two backends. Records are prepared on the driver as for DuckDB (``prepare``:
standardised names, dates, places) and handed to Spark, which does the work that grows with the
number of pairs: counting the pairs of the near-certain rules (the prior), blocking and
comparing the training pairs and counting them by agreement pattern (expectation
maximisation's input), and scoring every blocked pair. The driver keeps what is bounded: u from
a fixed-size sample of records, the iterations of expectation maximisation over the pattern
counts (``_PairsOnSpark`` says why each step runs where it does), and the entities formed from
the pairs near the threshold exactly as on one machine (the threshold chosen for the target
precision, the groups joined to a person named in many reports, entities checked pair by pair).
Trained on either engine, the model is the same but for the last bits of floating point, and
so are the match probabilities and the entities; a run stores the model in DuckDB's form
whichever engine trained it (docs/scaling.md). For that the comparison functions must agree:
Splink's Jaro-Winkler for Spark (a Scala function) scores some names otherwise than DuckDB's
(baker and barker: 0.876 against 0.902), which at a million records made 9 of 978,088
entities differ, so Spark's SQL is given DuckDB's own (``similarity.spark_api``).
"""

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator
from splink.internals.em_training_session import EMTrainingSession
from splink.internals.expectation_maximisation import count_agreement_patterns_sql
from splink.internals.linker_components.training import LinkerTraining
from splink.internals.misc import ascii_uid
from splink.internals.pipeline import CTEPipeline
from splink.internals.splink_dataframe import SplinkDataFrame

from caselink.linkage.persons.clustering import THRESHOLD_FLOOR
from caselink.linkage.persons.comparisons import (
    PREDICTION_BLOCKS,
    PersonModelSpec,
    model_settings,
    settings_creator,
)

# The steps of a run that do not depend on the engine, shared so that the engines cannot
# drift apart.
from caselink.linkage.persons.entities import ATTACH_REACH, form_entities, weight_of
from caselink.linkage.persons.preparation import PREPARED_TABLE, prepare
from caselink.linkage.persons.resolution import (
    MIN_RECORDS_TO_TRAIN,
    Clock,
    PersonResolution,
    Progress,
    attach_labels,
    connect,
    quiet_splink,
    structure_of,
    with_records_alone,
)
from caselink.linkage.persons.review import review_sample
from caselink.linkage.persons.training import (
    affordable_blocks,
    bounded_model,
    swapped_names_affordable,
    train,
)
from caselink.linkage.spark.similarity import spark_api as splink_api

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_PREDICTIONS = "spark_person_predictions"


def resolve_on_spark(
    records: pa.Table,
    spark: "SparkSession",
    spec: PersonModelSpec | None = None,
    *,
    labels: pa.Table | None = None,
    pair_labels: pa.Table | None = None,
    today: date | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
    model: dict[str, Any] | None = None,
) -> PersonResolution:
    """``caselink.linkage.persons.resolve`` with training and scoring on Spark.

    Takes and returns what ``resolve`` does; the figures add ``engine: spark`` and the master.
    With ``model`` (a trained model as a run stores it, from either engine) training is left
    out and the pairs are scored with that model: the same model on both engines gives the
    same match probabilities, to floating point.
    """
    with quiet_splink():
        return _resolve(
            records,
            spark,
            spec or PersonModelSpec(),
            labels,
            pair_labels,
            today,
            threads,
            progress,
            model,
        )


def with_parameters(settings: dict[str, Any], trained: dict[str, Any]) -> dict[str, Any]:
    """``settings`` (one backend's form of the model) with the m, u and prior of ``trained``
    (the same model trained on another backend): comparisons and levels match one to one."""
    out: dict[str, Any] = {
        **settings,
        "probability_two_random_records_match": trained["probability_two_random_records_match"],
    }
    comparisons = []
    for mine, theirs in zip(settings["comparisons"], trained["comparisons"], strict=True):
        levels = []
        for level, learnt in zip(
            mine["comparison_levels"], theirs["comparison_levels"], strict=True
        ):
            level = dict(level)
            for key in ("m_probability", "u_probability"):
                if key in learnt:
                    level[key] = learnt[key]
            levels.append(level)
        comparisons.append({**mine, "comparison_levels": levels})
    out["comparisons"] = comparisons
    return out


def _resolve(
    records: pa.Table,
    spark: "SparkSession",
    spec: PersonModelSpec,
    labels: pa.Table | None,
    pair_labels: pa.Table | None,
    today: date | None,
    threads: int | None,
    progress: Progress | None,
    given: dict[str, Any] | None,
) -> PersonResolution:
    today = today or datetime.now(UTC).date()
    say = progress or (lambda _stage: None)
    clock = Clock()
    notes: list[str] = []
    con = connect(threads)
    review: list[dict[str, Any]] = []
    try:
        say("preparing records")
        with clock.stage("prepare"):
            prepared, unresolvable = prepare(con, records, today=today)
            labelled = 0
            if labels is not None and labels.num_rows:
                labelled = attach_labels(con, labels)
        model = model_settings(spec)
        if prepared.resolvable < MIN_RECORDS_TO_TRAIN:
            # nothing for Spark to do: the single-machine run decides what stands alone
            con.close()
            from caselink.linkage.persons import resolve

            return resolve(
                records, spec, labels=labels, pair_labels=pair_labels, today=today,
                threads=threads, progress=progress,
            )  # fmt: skip
        # the blocks a run leaves out (too many pairs) are counted on the driver, as on one
        # machine, so that both engines score the same pairs
        limit = spec.max_block_pairs
        blocks = affordable_blocks(con, PREDICTION_BLOCKS, "scoring", notes, limit)
        swapped = swapped_names_affordable(con, notes, limit)
        settings = settings_creator(spec, blocks, swapped)
        with clock.stage("to_spark"):
            table = con.table(PREPARED_TABLE).to_arrow_table()
            # Cut from the driver's copy: a frame made from a small Arrow table is a local
            # relation in the plan, which Spark's optimiser re-evaluates row by row on the
            # driver for every query Splink runs (and runs out of heap re-planning).
            frame = spark.createDataFrame(table).localCheckpoint(eager=True)
            spark_api = splink_api(spark, break_lineage_method="persist")
            spark_sdf = spark_api.register(frame)
        db_api = DuckDBAPI(con)
        sdf = db_api.register(PREPARED_TABLE)
        if given is None:
            # the driver's linker learns, as on one machine; the Spark linker does its work
            # on the pairs (_PairsOnSpark)
            on_driver = Linker(sdf, settings, log_level=None)
            on_spark = Linker(spark_sdf, settings, log_level=None)
            on_driver.training = _PairsOnSpark(on_driver, on_spark)
            say("training the model on Spark")
            with clock.stage("train"):
                prior = train(on_driver, spec, labelled > 0, notes, con)
                trained = on_driver.misc.save_model_to_json()
                trained["probability_two_random_records_match"] = prior
                model, changed = bounded_model(trained, spec.u_max_pairs)
                notes.extend(changed)
        else:
            model = with_parameters(_settings_dict(settings, "duckdb"), given)
        scoring = with_parameters(_settings_dict(settings, "spark"), model)
        on_spark = Linker(spark_sdf, scoring, log_level=None)
        say("scoring candidate pairs on Spark")
        with clock.stage("predict"):
            lowest = spec.threshold if spec.target_precision is None else THRESHOLD_FLOOR
            predictions = on_spark.inference.predict(
                threshold_match_weight=weight_of(lowest) - ATTACH_REACH
            )
            _to_duckdb(con, _PREDICTIONS, predictions.as_pyarrow_table())  # type: ignore[no-untyped-call]
            frame.unpersist()  # the checkpoint's blocks, now scored
        linker = Linker(sdf, model, log_level=None)
        scored = db_api.register(_PREDICTIONS)
        say("forming entities")
        with clock.stage("cluster"):
            entities, links, decided, weak = form_entities(
                con, linker, scored, spec, pair_labels, notes
            )
        with clock.stage("review"):
            review = review_sample(con, sdf, model, decided["threshold"], spec.seed, weak)
        entities = with_records_alone(entities, unresolvable)
        with clock.stage("figures"):
            structure = structure_of(con, entities, records)
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
        "engine": "spark",
        "spark_master": spark.sparkContext.master,
        "seconds": clock.seconds,
        "notes": notes,
    }
    return PersonResolution(entities, model, figures, review)


def _settings_dict(settings: SettingsCreator, dialect: str) -> dict[str, Any]:
    out: dict[str, Any] = settings.get_settings(dialect).as_dict()  # type: ignore[no-untyped-call]
    return out


class _PairsOnSpark(LinkerTraining):
    """Splink's training of the driver's linker (DuckDB, the records prepared there), with
    the work that grows with the number of pairs done by the same settings' Spark linker.

    * The prior counts the pairs the near-certain rules make: on Spark, and the estimate is
      handed to the driver's linker.
    * u is estimated on the driver, from a sample of records whose every pair is compared,
      exactly as on one machine. Splink picks that sample, and the chunks it compares it in,
      by hashing record ids with the backend's own hash function (DuckDB's ``hash``, 64 bits
      of its own; Spark's ``hash``, 32-bit Murmur3), so the two backends would compare
      different pairs and learn u values a few parts in 10^3 apart, which moved match
      probabilities by up to 3.6e-4. The sample is
      bounded (``u_max_pairs`` pairs, however many records), so it costs the driver seconds.
    * Expectation maximisation: Spark blocks the records on the training rule, compares
      every pair and counts the pairs of each agreement pattern (which levels a pair falls
      in); the counts, a few thousand rows however many pairs, come to the driver, where
      Splink iterates on them as it does on one machine. Each iteration is a query over the
      counts, milliseconds in DuckDB where a Spark job costs seconds to plan and schedule;
      and the iterations see the very counts DuckDB's run sees, so both stop at the same
      iteration with the same parameters.
    """

    def __init__(self, linker: Linker, on_spark: Linker):
        super().__init__(linker)
        self._on_spark = on_spark

    def estimate_probability_two_random_records_match(
        self,
        deterministic_matching_rules: list[str | BlockingRuleCreator],
        recall: float,
        record_sample_proportion: float = 1.0,
    ) -> None:
        self._on_spark.training.estimate_probability_two_random_records_match(
            deterministic_matching_rules, recall, record_sample_proportion
        )
        prior = self._on_spark._settings_obj._probability_two_random_records_match
        self._linker._settings_obj._probability_two_random_records_match = prior

    def estimate_parameters_using_expectation_maximisation(
        self,
        blocking_rule: str | BlockingRuleCreator,
        estimate_without_term_frequencies: bool = False,
        fix_probability_two_random_records_match: bool = False,
        fix_m_probabilities: bool = False,
        fix_u_probabilities: bool = True,
        populate_probability_two_random_records_match_from_trained_values: bool = False,
        *,
        max_pairs: float | None = None,
        record_sample_proportion: float = 0.01,
    ) -> EMTrainingSession:
        if not estimate_without_term_frequencies or max_pairs is not None:
            # term frequencies need every pair on the driver; a sample of pairs is drawn by
            # each backend's hash: neither would be the single machine's training
            raise ValueError(
                "on Spark, expectation maximisation runs on agreement-pattern counts of "
                "every blocked pair (estimate_without_term_frequencies=True, no max_pairs)"
            )
        fixed = {
            "fix_u_probabilities": fix_u_probabilities,
            "fix_m_probabilities": fix_m_probabilities,
            "fix_probability_two_random_records_match": fix_probability_two_random_records_match,
            "estimate_without_term_frequencies": True,
        }
        driver = self._linker
        spark = self._on_spark
        counted = _session(spark, blocking_rule, fixed)
        vectors = counted._comparison_vectors()
        pipeline = CTEPipeline([vectors])
        pipeline.enqueue_sql(
            count_agreement_patterns_sql(counted.core_model_settings.comparisons),
            _PATTERNS,
        )
        on_spark = spark._db_api.sql_pipeline_to_splink_dataframe(pipeline)
        try:
            patterns = on_spark.as_pyarrow_table()  # type: ignore[no-untyped-call]
        finally:
            on_spark.drop_table_from_database_and_remove_from_cache()
            vectors.drop_table_from_database_and_remove_from_cache()
        driver_api = driver._db_api
        assert isinstance(driver_api, DuckDBAPI)
        counted_api = _CountedPatterns(driver_api, patterns)
        session = _session(driver, blocking_rule, fixed, counted_api)
        try:
            # Splink's own session, from the counts on: a pattern table with no row is a rule
            # that made no pairs, refused as on one machine
            trained = session._train(counted_api.counts)
        finally:
            counted_api.counts.drop_table_from_database_and_remove_from_cache(
                force_non_splink_table=True
            )
        driver._settings_obj.core_model_settings = trained
        driver._em_training_sessions.append(session)
        driver._populate_m_u_from_trained_values()  # type: ignore[no-untyped-call]
        if populate_probability_two_random_records_match_from_trained_values:
            driver._populate_probability_two_random_records_match_from_trained_values()  # type: ignore[no-untyped-call]
        return session


_PATTERNS = "__splink__agreement_pattern_counts"


def _session(
    linker: Linker,
    blocking_rule: str | BlockingRuleCreator,
    fixed: dict[str, bool],
    db_api: DuckDBAPI | None = None,
) -> EMTrainingSession:
    settings = linker._settings_obj
    rule = to_blocking_rule_creator(blocking_rule).get_blocking_rule(linker._sql_dialect_str)
    return EMTrainingSession(
        linker,
        db_api=db_api or linker._db_api,
        blocking_rule_for_training=rule,
        # a copy: the session narrows the comparisons of what it is given to those it trains
        core_model_settings=settings.core_model_settings.copy(),  # type: ignore[no-untyped-call]
        training_settings=settings.training_settings,
        unique_id_input_columns=settings.column_info_settings.unique_id_input_columns,
        **fixed,
    )


class _CountedPatterns(DuckDBAPI):
    """The driver's DuckDB API, on the same connection, for a training session whose pairs
    were counted by agreement pattern elsewhere: Splink's query that counts them from the
    compared pairs is answered with those counts; every other query runs as usual."""

    def __init__(self, driver: DuckDBAPI, patterns: pa.Table):
        super().__init__(driver._con)
        self.counts = self.register(patterns, table_name=f"{_PATTERNS}_{ascii_uid(8)}")

    def sql_pipeline_to_splink_dataframe(self, pipeline: CTEPipeline) -> SplinkDataFrame:
        if pipeline.output_table_name == _PATTERNS:
            return self.table_to_splink_dataframe(_PATTERNS, self.counts.physical_name)
        return super().sql_pipeline_to_splink_dataframe(pipeline)


def _to_duckdb(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    # Spark's results become a table of the driver's DuckDB, where the engine-independent
    # steps read them
    con.register("spark_result", table)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM spark_result")
    finally:
        con.unregister("spark_result")
