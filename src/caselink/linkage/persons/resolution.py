"""Person resolution: which person records are the same human, with Splink on DuckDB.

Pure of the database: ``resolve`` takes the person records as an Arrow table
(``PERSON_RECORD_SCHEMA``) and returns every record's entity, the trained model (Splink's JSON
settings with its parameters) and the run's figures. Training is unsupervised — u from random
pairs, the prior from near-certain rules, m by expectation maximisation — and labelled records
(the same label = the same person), when given, replace the m estimates they can.

A run's steps are in modules of their own, shared with the run on Spark
(``caselink.linkage.spark.persons``): ``training``, ``entities`` (threshold and clusters) and
``review`` (the pairs for analysts). The package's facade (``caselink.linkage.persons``) lists
what services use.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from splink import DuckDBAPI, Linker

from caselink.domain.person import ENTITY_PREFIX
from caselink.linkage.persons.clustering import THRESHOLD_FLOOR, cluster
from caselink.linkage.persons.comparisons import (
    PREDICTION_BLOCKS,
    PersonModelSpec,
    model_settings,
    settings_creator,
)
from caselink.linkage.persons.entities import (
    ATTACH_REACH,
    CLUSTERS_TABLE,
    form_entities,
    pairs_of,
    weight_of,
    write_clusters,
)
from caselink.linkage.persons.preparation import PREPARED_TABLE, one_row, prepare
from caselink.linkage.persons.review import review_sample
from caselink.linkage.persons.training import (
    affordable_blocks,
    bounded_model,
    swapped_names_affordable,
    train,
)

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
            "entity_id": pc.binary_join_element_wise(ENTITY_PREFIX, ids.cast(pa.string()), ""),
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


class Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 3)


@contextmanager
def quiet_splink() -> Iterator[None]:
    # Splink warns on its logger about levels the data never showed; the run records those in
    # its notes instead of printing them between a command's lines.
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def connect(threads: int | None) -> duckdb.DuckDBPyConnection:
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
    with quiet_splink():
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
    clock = Clock()
    notes: list[str] = []
    con = connect(threads)
    try:
        say("preparing records")
        with clock.stage("prepare"):
            prepared, unresolvable = prepare(con, records, today=today)
            labelled = 0
            if labels is not None and labels.num_rows:
                labelled = attach_labels(con, labels)
        model = model_settings(spec)
        links = 0
        review: list[dict[str, Any]] = []
        if prepared.resolvable >= MIN_RECORDS_TO_TRAIN:
            db_api = DuckDBAPI(con)
            sdf = db_api.register(PREPARED_TABLE)
            limit = spec.max_block_pairs
            blocks = affordable_blocks(con, PREDICTION_BLOCKS, "scoring", notes, limit)
            swapped = swapped_names_affordable(con, notes, limit)
            linker = Linker(sdf, settings_creator(spec, blocks, swapped), log_level=None)
            say("training the model")
            with clock.stage("train"):
                prior = train(linker, spec, labelled > 0, notes, con)
                trained = linker.misc.save_model_to_json()
                trained["probability_two_random_records_match"] = prior
                model, changed = bounded_model(trained, spec.u_max_pairs)
                notes.extend(changed)
                linker = Linker(sdf, model, log_level=None)
            say("scoring candidate pairs")
            with clock.stage("predict"):
                # Pairs below the lowest threshold a run may choose too: they can still join a
                # record to a person named in many reports (see attachments).
                lowest = spec.threshold if spec.target_precision is None else THRESHOLD_FLOOR
                predictions = linker.inference.predict(
                    threshold_match_weight=weight_of(lowest) - ATTACH_REACH
                )
            say("forming entities")
            with clock.stage("cluster"):
                formed = form_entities(con, linker, predictions, spec, pair_labels, notes)
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
                together=pairs_of(pair_labels, "same"),
                apart=pairs_of(pair_labels, "different"),
            )
            write_clusters(con, labelled_same.members)
            entities = con.sql(
                f"SELECT unique_id AS person_id, '{ENTITY_PREFIX}' || cluster_id AS entity_id, "
                f"NULL::DOUBLE AS match_probability FROM {CLUSTERS_TABLE}"
            ).to_arrow_table()
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
        "seconds": clock.seconds,
        "notes": notes,
    }
    return PersonResolution(entities, model, figures, review)


def attach_labels(con: duckdb.DuckDBPyConnection, labels: pa.Table) -> int:
    labels = labels.select(["person_id", "label"]).cast(LABEL_SCHEMA)
    con.register("person_labels", labels)
    con.execute(f"ALTER TABLE {PREPARED_TABLE} ADD COLUMN label VARCHAR")
    con.execute(
        f"UPDATE {PREPARED_TABLE} p SET label = l.label FROM person_labels l "
        "WHERE l.person_id = p.unique_id"
    )
    con.unregister("person_labels")
    return int(one_row(con, f"SELECT count(label) FROM {PREPARED_TABLE}")[0])


def structure_of(
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
