"""Person resolution with Splink's Spark backend: the same settings object, another engine.

The model is the one ``caselink.linkage.persons`` defines (``settings_creator``): one
specification, two backends. Records are prepared as for DuckDB (``prepare``: standardised
names, dates, places), then handed to Spark, where Splink does the work that grows with the
number of pairs: training (u from random pairs, the prior from the near-certain rules, m by
expectation maximisation) and scoring every blocked pair. What comes back to the driver is the
pairs near the threshold, a small fraction of them; entities are then formed from those pairs
exactly as on one machine (the threshold chosen for the target precision, the groups joined to
a person named in many reports, entities checked pair by pair), with the trained parameters
carried over into the DuckDB form of the same settings. So both engines give the same
entities, and a run stores the model in one form whichever engine trained it (docs/scaling.md).
"""

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker

from caselink.linkage.persons.clustering import THRESHOLD_FLOOR
from caselink.linkage.persons.comparisons import PersonModelSpec, model_settings, settings_creator
from caselink.linkage.persons.preparation import PREPARED_TABLE, prepare

# The steps of a run that do not depend on the engine, shared so that the engines cannot
# drift apart.
from caselink.linkage.persons.resolution import (
    ATTACH_REACH,
    MIN_RECORDS_TO_TRAIN,
    PersonResolution,
    Progress,
    _attach_labels,
    _Clock,
    _connect,
    _form_entities,
    _quiet_splink,
    _structure,
    _train,
    _weight,
    bounded_model,
    review_sample,
    with_records_alone,
)

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
    with _quiet_splink():
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
    from splink import SparkAPI

    today = today or datetime.now(UTC).date()
    say = progress or (lambda _stage: None)
    clock = _Clock()
    notes: list[str] = []
    con = _connect(threads)
    review: list[dict[str, Any]] = []
    try:
        say("preparing records")
        with clock.stage("prepare"):
            prepared, unresolvable = prepare(con, records, today=today)
            labelled = 0
            if labels is not None and labels.num_rows:
                labelled = _attach_labels(con, labels)
        model = model_settings(spec)
        if prepared.resolvable < MIN_RECORDS_TO_TRAIN:
            # nothing for Spark to do: the single-machine run decides what stands alone
            con.close()
            from caselink.linkage.persons import resolve

            return resolve(
                records, spec, labels=labels, pair_labels=pair_labels, today=today,
                threads=threads, progress=progress,
            )  # fmt: skip
        with clock.stage("to_spark"):
            table = con.table(PREPARED_TABLE).to_arrow_table()
            frame = spark.createDataFrame(table).persist()
            spark_api = SparkAPI(spark_session=spark, break_lineage_method="persist")  # type: ignore[no-untyped-call]
            spark_sdf = spark_api.register(frame)
        if given is None:
            on_spark = Linker(spark_sdf, settings_creator(spec), log_level=None)
            say("training the model on Spark")
            with clock.stage("train"):
                prior = _train(on_spark, spec, labelled > 0, notes)
                trained = on_spark.misc.save_model_to_json()
                trained["probability_two_random_records_match"] = prior
                trained, changed = bounded_model(trained, spec.u_max_pairs)
                notes.extend(changed)
        else:
            trained = with_parameters(model_settings(spec, "spark"), given)
        on_spark = Linker(spark_sdf, trained, log_level=None)
        say("scoring candidate pairs on Spark")
        with clock.stage("predict"):
            lowest = spec.threshold if spec.target_precision is None else THRESHOLD_FLOOR
            predictions = on_spark.inference.predict(
                threshold_match_weight=_weight(lowest) - ATTACH_REACH
            )
            _to_duckdb(con, _PREDICTIONS, predictions.as_pyarrow_table())  # type: ignore[no-untyped-call]
            frame.unpersist()
        # the same model in DuckDB's form, with what Spark learnt, for the driver's steps
        model = with_parameters(model_settings(spec), trained)
        db_api = DuckDBAPI(con)
        sdf = db_api.register(PREPARED_TABLE)
        linker = Linker(sdf, model, log_level=None)
        scored = db_api.register(_PREDICTIONS)
        say("forming entities")
        with clock.stage("cluster"):
            entities, links, decided, weak = _form_entities(
                con, linker, scored, spec, pair_labels, notes
            )
        with clock.stage("review"):
            review = review_sample(con, sdf, model, decided["threshold"], spec.seed, weak)
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
        "engine": "spark",
        "spark_master": spark.sparkContext.master,
        "seconds": clock.seconds,
        "notes": notes,
    }
    return PersonResolution(entities, model, figures, review)


def _to_duckdb(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    # Spark's results become a table of the driver's DuckDB, where the engine-independent
    # steps read them
    con.register("spark_result", table)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM spark_result")
    finally:
        con.unregister("spark_result")
