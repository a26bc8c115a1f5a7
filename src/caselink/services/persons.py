"""Person resolution: resolve every person record into person entities, read an entity, export.

A run reads every person record, hands them to ``caselink.linkage.persons.resolution`` (Splink
on DuckDB), and writes the trained model, the figures and every record's entity in one
transaction. Reading an entity is a consultation of personal data and is logged first (DPA 2018
s.62); a run combines personal data and is logged as such.
"""

import csv
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from caselink.domain.errors import InvalidRequest, NotFound
from caselink.domain.roles import Action, Role
from caselink.integrity.intervals import wilson_bounds
from caselink.interchange.csv_writing import csv_writer
from caselink.linkage.persons import PersonModelSpec, evaluate
from caselink.linkage.persons import resolve as resolve_records
from caselink.services.access_requests import readable_split
from caselink.services.consultation import (
    COMBINE,
    DISCLOSE,
    NO_RECORD,
    log_consultation,
    stated_reason,
)
from caselink.services.context import Actor, Context
from caselink.services.spark import resolve_persons as resolve_on_spark
from caselink.storage.persons.rows import EntityRecord, PersonRun
from caselink.storage.persons.store import PersonStore

# A run links at the lowest threshold the model expects to be this precise, unless a fixed
# threshold is asked for (docs/persons.md, "Threshold and entities").
DEFAULT_TARGET_PRECISION = PersonModelSpec().target_precision or 0.999
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ResolutionSummary:
    """One run: its id, threshold, figures and (when a truth file was given) its evaluation."""

    run_id: int
    threshold: float
    figures: dict[str, Any]
    evaluation: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run_id": self.run_id,
            "threshold": self.threshold,
            "figures": self.figures,
        }
        if self.evaluation is not None:
            out["evaluation"] = self.evaluation
        return out

    def lines(self) -> list[str]:
        """A few lines for a terminal or the demo."""
        f = self.figures
        out = [
            f"person resolution run {self.run_id} at threshold {self.threshold}: "
            f"{f['records']:,} records into {f['entities']:,} entities "
            f"({f['entities_with_several_records']:,} with more than one record, "
            f"largest {f['largest_entity']})",
            f"  unresolvable {f['unresolvable']:,}, thin {f['thin']:,}, "
            f"unreadable dates of birth {f['dob_unreadable']:,}",
            f"  entities in more than one role {f['entities_with_several_roles']:,} "
            f"(complainant in one report and suspect in another: "
            f"{f['complainant_and_suspect']:,})",
        ]
        expected = f.get("expected_precision")
        if expected is not None:
            target = f.get("target_precision")
            out.append(
                f"  expected precision of the links {expected:.4f}"
                + (f" (threshold chosen for a target of {target})" if target else "")
                + (
                    f"; of every pair inside the entities {f['expected_pairwise_precision']:.4f}"
                    if f.get("expected_pairwise_precision") is not None
                    else ""
                )
            )
        calibration = f.get("calibration")
        if calibration and f.get("target_precision"):  # not for a fixed threshold
            out.append(f"  threshold chosen from {calibration_line(calibration)}")
        if f.get("entities_flagged"):
            out.append(
                f"  {f['entities_flagged']:,} entit(ies) flagged: they hold a pair the model, "
                "asked about the two alone, calls likelier two people (see `persons review`)"
            )
        if self.evaluation:
            e = self.evaluation
            out.append(
                f"  against the truth: pairwise precision {e['precision']:.4f}, recall "
                f"{e['recall']:.4f}, F1 {e['f1']:.4f}; cluster precision "
                f"{e['cluster_precision']:.4f}, cluster recall {e['cluster_recall']:.4f}"
            )
        return out


def calibration_line(calibration: dict[str, Any]) -> str:
    """What a run's threshold rests on, from its figures' ``calibration``: the analysts'
    verdicts (how many, and how they correct the model) or the model's own estimate, and why."""
    if not calibration.get("used"):
        return f"the model's own probabilities ({calibration.get('reason', 'no verdicts')})"
    shift = float(calibration["shift_bits"])
    own = calibration.get("model_threshold")
    return (
        f"probabilities recalibrated from {calibration['verdicts']} verdicts "
        f"({calibration['same']} same, {calibration['different']} different): "
        f"calibrated weight = {float(calibration['scale']):.3f} x weight "
        f"{'+' if shift >= 0 else '-'} {abs(shift):.2f} bits"
        + (f"; the model's own estimate would have chosen {own:.6f}" if own is not None else "")
    )


def read_identity_file(path: Path) -> pa.Table:
    """(source_id, identity) rows of a labels or truth file, as two string columns: a CSV with
    ``source_id`` and ``identity_id`` (the synthetic truth's format) or ``label`` columns.
    Rows missing either are left out."""
    with path.open(newline="", encoding="utf-8") as handle:
        fields = next(csv.reader(handle), [])
    key = "identity_id" if "identity_id" in fields else "label" if "label" in fields else None
    if "source_id" not in fields or key is None:
        raise InvalidRequest(f"{path.name} needs the columns source_id and identity_id (or label)")
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                include_columns=["source_id", key],
                column_types={"source_id": pa.string(), key: pa.string()},
                null_values=[""],  # only empty: "NA" or "null" may be someone's label
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InvalidRequest(f"{path.name} could not be read: {exc}") from exc
    source, identity = table.column("source_id"), table.column(key)
    kept = pc.and_(pc.is_valid(source), pc.is_valid(identity))
    return pa.table({"source_id": source, "identity": identity}).filter(kept)


def identity_table(rows: pa.Table, records: pa.Table, name: str) -> pa.Table:
    """(person_id, ``name``) for the rows whose source id a person record carries."""
    ids = records.select(["source_id", "person_id"])
    joined = rows.join(ids.filter(pc.is_valid(ids.column("source_id"))), "source_id")
    return pa.table(
        {
            "person_id": joined.column("person_id").cast(pa.int64()),
            name: joined.column("identity").cast(pa.string()),
        }
    )


def with_intervals(evaluation: dict[str, Any]) -> dict[str, Any]:
    """An evaluation with 95% Wilson intervals for pairwise precision and recall. Pairs of one
    entity are not independent draws, so the intervals understate the uncertainty."""
    out = dict(evaluation)
    tp = int(evaluation.get("true_positive_pairs", 0))
    predicted, true = (
        int(evaluation.get("predicted_pairs", 0)),
        int(evaluation.get("true_pairs", 0)),
    )
    if predicted:
        out["precision_interval"] = [round(v, 6) for v in wilson_bounds(tp, predicted)]
    if true:
        out["recall_interval"] = [round(v, 6) for v in wilson_bounds(tp, true)]
    return out


def resolve(
    ctx: Context,
    actor: Actor,
    *,
    threshold: float | None = None,
    target_precision: float | None = None,
    labels: Path | None = None,
    truth: Path | None = None,
    why: str | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
    spark_master: str | None = None,
) -> ResolutionSummary:
    """Resolve every person record into entities and store the run (analysts only).

    By default the threshold is the lowest at which the model expects the links to be
    ``target_precision`` precise (default ``DEFAULT_TARGET_PRECISION``); ``threshold`` fixes it
    instead. Analysts' verdicts on pairs (``label_pair``) are kept to: a pair labelled
    different never ends in one entity, one labelled the same always does. ``labels``
    (source_id, identity_id) trains m from known identities; ``truth`` in the same format
    evaluates the run (pairwise and cluster figures with intervals, kept in the run's figures).
    The run combines personal data, so it is logged (DPA 2018 s.62).
    """
    actor.require(Action.LINK)
    if threshold is not None and target_precision is not None:
        raise InvalidRequest("give a threshold or a target precision, not both")
    try:
        spec = (
            PersonModelSpec(threshold=threshold, target_precision=None)
            if threshold is not None
            else PersonModelSpec(target_precision=target_precision or DEFAULT_TARGET_PRECISION)
        )
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc
    started = time.perf_counter()
    truth_rows = read_identity_file(truth) if truth else None  # a bad file fails before the run
    truth_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with ctx.db.reader() as uow:
        records = uow.persons.records()
        pair_labels = uow.person_verdicts.pair_label_table()
    label_table = identity_table(read_identity_file(labels), records, "label") if labels else None
    read_seconds = time.perf_counter() - started
    # with a Spark master, Splink trains and scores on Spark (services.spark): same entities
    resolver = (
        resolve_records if spark_master is None else partial(resolve_on_spark, master=spark_master)
    )
    result = resolver(
        records,
        spec,
        labels=label_table,
        pair_labels=pair_labels,
        today=ctx.clock().date(),
        threads=threads,
        progress=progress,
    )
    started = time.perf_counter()
    evaluation = None
    if truth_rows is not None:
        evaluation = with_intervals(
            evaluate(result.entities, identity_table(truth_rows, records, "identity_id"))
        )
    # every stage's time, so a run's cost can be told apart from measuring it against a truth
    seconds = {"read": round(read_seconds, 3), **result.figures["seconds"]}
    figures = dict(result.figures) | {"seconds": seconds}
    if evaluation is not None:
        figures["evaluation"] = evaluation
        seconds["evaluate"] = round(truth_seconds + time.perf_counter() - started, 3)
    if progress:
        progress("saving entities")
    started = time.perf_counter()
    with ctx.db.unit_of_work() as uow:
        run_id = uow.persons.save_run(
            created_at=ctx.clock(),
            created_by=actor.name,
            threshold=figures["threshold"],
            model=result.model,
            figures=figures,
            entities=result.entities,
        )
        uow.person_verdicts.save_review(run_id, result.review)
        log_consultation(
            ctx,
            actor,
            NO_RECORD,
            why=why,
            default="person resolution run",
            detail=f"person resolution run {run_id}: {figures['records']} records",
            action=COMBINE,
            uow=uow,
        )
        uow.commit()
    seconds["save"] = round(time.perf_counter() - started, 3)  # in the summary, not the store
    return ResolutionSummary(run_id, figures["threshold"], figures, evaluation)


def latest_run(ctx: Context) -> PersonRun | None:
    with ctx.db.reader() as uow:
        return uow.persons.latest_run()


def run_or_latest(store: PersonStore, run_id: int | None) -> PersonRun:
    run = store.get_run(run_id) if run_id is not None else store.latest_run()
    if run is None:
        raise NotFound(
            f"no person resolution run {run_id}"
            if run_id is not None
            else "no person resolution run yet: run `caselink persons resolve` first"
        )
    return run


@dataclass(frozen=True, slots=True)
class EntityView:
    """A person entity: every record of it, the reports they are in and in which role.

    ``roles`` lists every role the person has; more than one (a complainant here and a suspect
    there) is shown, never hidden. ``withheld`` is true when identity fields were removed
    because the reader may not see a complainant's identity and this person is one;
    ``not_shown`` counts the complainant records left out for such a reader, so that the
    report they are the complainant of is not told either.
    """

    run_id: int
    entity_id: str
    records: list[EntityRecord]
    roles: list[str]
    withheld: bool
    not_shown: int = 0
    # Records in reports the reader may not read, counted by the force that owns them.
    elsewhere: dict[str, int] = field(default_factory=dict)

    @property
    def several_roles(self) -> bool:
        return len(self.roles) > 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "entity_id": self.entity_id,
            "roles": self.roles,
            "several_roles": self.several_roles,
            "identity_withheld": self.withheld,
            "complainant_records_not_shown": self.not_shown,
            "records_in_other_forces": self.elsewhere,
            "records": [
                {
                    "source_id": r.source_id,
                    "force": r.force,
                    "reference": r.reference,
                    "status": r.status,
                    "reported_at": r.reported_at,
                    "role": r.role,
                    "forename": r.forename,
                    "surname": r.surname,
                    "date_of_birth": r.dob_as_given,
                    "address": r.address,
                    "postcode": r.postcode,
                    "phone": r.phone,
                    "identifiers": r.identifiers,
                    "aliases": r.aliases,
                    "match_probability": r.match_probability,
                }
                for r in self.records
            ],
        }


def _withhold(record: EntityRecord) -> EntityRecord:
    return EntityRecord(
        record.person_id,
        None,
        record.role,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        record.match_probability,
        record.force,
        record.reference,
        record.status,
        record.reported_at,
    )


def show(
    ctx: Context, actor: Actor, entity_id: str, *, why: str, run_id: int | None = None
) -> EntityView:
    """Every report a person entity appears in, with role and the report's status (cancelled
    and N100 reports included); the consultation is logged first (DPA 2018 s.62).

    Analysts, registrars and officers see the records in full. Inspectors see the roles, but
    when the person is a complainant anywhere (``uow.persons.complainants_among``: this entity
    holds a complainant record, or a record no run covers is taken for one), no identifying
    field of any record and not the complainant records themselves, so neither who they are
    nor which report they are the complainant of: a complainant's identity is never theirs to
    see.
    """
    pseudonymised = actor.role is Role.INSPECTOR
    actor.require(Action.VIEW_PSEUDONYMISED if pseudonymised else Action.VIEW_REPORT)
    stated_reason(why)
    with ctx.db.unit_of_work() as uow:
        run = run_or_latest(uow.persons, run_id)
        records = uow.persons.entity_records(run.id, entity_id)
        if not records:
            raise NotFound(f"no person entity {entity_id} in run {run.id}")
        readable, elsewhere = readable_split(
            uow, ctx, actor, [(r.force, r.reference) for r in records]
        )
        records = [r for r in records if (r.force, r.reference) in readable]
        complainant = (
            uow.persons.complainants_among([r.person_id for r in records])
            if pseudonymised
            else set()
        )
        log_consultation(
            ctx,
            actor,
            [(r.force, r.reference) for r in records],
            why=why,
            detail=f"person entity {entity_id} (run {run.id})"
            + (", pseudonymised" if pseudonymised else ""),
            uow=uow,
        )
        uow.commit()
    roles = sorted({r.role for r in records})
    withheld = bool(complainant)
    shown = [r for r in records if r.role != "complainant"] if withheld else records
    if withheld:
        shown = [_withhold(r) for r in shown]
    return EntityView(
        run.id, entity_id, shown, roles, withheld, len(records) - len(shown), elsewhere
    )


@dataclass(frozen=True, slots=True)
class PersonExportSummary:
    run_id: int
    records: int
    path: Path


EXPORT_COLUMNS = ("source_id", "force", "reference", "role", "entity_id", "match_probability")


def export(
    ctx: Context, actor: Actor, path: Path, *, why: str, run_id: int | None = None
) -> PersonExportSummary:
    """Write every person record's entity as CSV (``EXPORT_COLUMNS``); the disclosure is logged
    first. Written to a temporary file and moved into place, so a failed export leaves nothing.
    """
    actor.require(Action.EXPORT)
    stated_reason(why, action=DISCLOSE)
    tmp = path.with_name(path.name + ".part")
    with ctx.db.unit_of_work() as uow:
        run = run_or_latest(uow.persons, run_id)
        log_consultation(
            ctx,
            actor,
            NO_RECORD,
            why=why,
            detail=f"person entities of run {run.id} to {path.name}",
            action=DISCLOSE,
            uow=uow,
        )
        n = 0
        try:
            with tmp.open("w", newline="", encoding="utf-8") as handle:
                writer = csv_writer(handle)  # no cell a spreadsheet would run
                writer.writerow(EXPORT_COLUMNS)
                for row in uow.persons.export_rows(run.id):
                    probability = "" if row[5] is None else f"{row[5]:.6f}"
                    writer.writerow([row[0] or "", row[1], row[2], row[3], row[4], probability])
                    n += 1
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        uow.commit()
    return PersonExportSummary(run.id, n, path)
