"""Offence linkage as use cases: train, run, query, series, evaluate and analysts' verdicts.

The engine (caselink.linkage) never touches the database: this module reads the report frame,
labels, feedback and resolved suspects from storage, hands them over as Arrow tables, and
stores what comes back stamped with its run and model version.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from caselink.domain.errors import InvalidRequest, NotFound
from caselink.domain.roles import Action
from caselink.interchange.caselink_csv import read_offenders
from caselink.linkage.offences import (
    LinkCandidate,
    LinkModel,
    LinkSettings,
    ReportFrame,
    evidence,
    form_series,
    score,
    summarise_series,
    top_links,
)
from caselink.linkage.offences import (
    evaluate as evaluate_model,
)
from caselink.linkage.offences import (
    train as train_model,
)
from caselink.services import cycle_collector
from caselink.services.consultation import log_consultation, stated_reason
from caselink.services.context import Actor, Context
from caselink.services.spark import SparkOptions, stage_reports
from caselink.storage.unit_of_work import UnitOfWork

DEFAULT_TOP = 10  # links stored per report
QUIET = 0.05  # contributions below this are left out of the stored components


@dataclass(frozen=True, slots=True)
class TrainOutcome:
    run_id: int
    model: LinkModel
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "family": self.model.family,
            "version": self.model.version,
            "threshold": self.model.threshold,
            "seconds": round(self.seconds, 1),
            "training": self.model.training,
        }


def _inputs(uow: UnitOfWork) -> tuple[pa.Table, pa.Table | None, pa.Table]:
    suspects = uow.persons.suspect_entities()
    return (
        uow.links.report_frame(),
        suspects if suspects.num_rows else None,
        uow.links.feedback_pairs(),
    )


def _labels_from_file(uow: UnitOfWork, path: Path) -> pa.Table:
    """Offender labels from an offenders.csv; any row naming an unknown report is an error."""
    rows = list(read_offenders(path).rows)
    problems = [str(e) for p in rows for e in p.errors]
    items = [p.item for p in rows if p.item is not None]
    keys = list({(i.force, i.reference) for i in items})
    ids = {k: v[0] for k, v in uow.reports.digests(keys).items()}
    problems += [
        f"{path.name}: no report {i.force} {i.reference}"
        for i in items
        if (i.force, i.reference) not in ids
    ]
    if problems:
        shown = "; ".join(problems[:20]) + (
            f"; … and {len(problems) - 20} more" if len(problems) > 20 else ""
        )
        raise InvalidRequest(f"the labels file cannot be used: {shown}")
    return pa.table(
        {
            "offender_id": pa.array([i.offender_id for i in items], pa.string()),
            "report_id": pa.array([ids[(i.force, i.reference)] for i in items], pa.int64()),
        }
    )


@cycle_collector.paused()
def train(
    ctx: Context, actor: Actor, *, labels: Path | None = None, settings: LinkSettings | None = None
) -> TrainOutcome:
    """Train the link model on solved reports (the stored offender labels, or ``labels``) and
    analysts' verdicts, choosing the model family by offender-split cross-validation; the model
    is stored as a versioned JSON spec with its training run."""
    actor.require(Action.LINK)
    started = time.perf_counter()
    with ctx.db.reader() as uow:
        frame, suspects, feedback = _inputs(uow)
        label_table = _labels_from_file(uow, labels) if labels else uow.links.offender_labels()
    if label_table.num_rows == 0:
        raise InvalidRequest("no solved reports to learn from: import offenders.csv first")
    model = train_model(
        frame,
        label_table,
        settings=settings,
        persons=suspects,
        feedback=feedback if feedback.num_rows else None,
    )
    seconds = time.perf_counter() - started
    with ctx.db.unit_of_work() as uow:
        run_id = uow.links.add_run(
            kind="train",
            at=ctx.clock(),
            by=actor.name,
            model_family=model.family,
            model_version=model.version,
            model_spec=model.to_json(),
            settings=model.to_dict().get("settings", {}),
            figures={
                "labels": label_table.num_rows,
                "feedback": feedback.num_rows,
                "reports": frame.num_rows,
                "seconds": round(seconds, 1),
                "named_suspects": 0 if suspects is None else suspects.num_rows,
            },
        )
        uow.commit()
    return TrainOutcome(run_id, model, seconds)


def _model(uow: UnitOfWork) -> tuple[int, LinkModel]:
    trained = uow.links.latest_run("train")
    if trained is None or trained.model_spec is None:
        raise NotFound("no trained link model: run `caselink link train` first")
    return trained.id, LinkModel.from_json(trained.model_spec)


@dataclass(frozen=True, slots=True)
class SeriesAlert:
    """A report that joined a series found by an earlier run."""

    report_id: int
    series_id: int
    earlier_members: int


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: int
    model_version: str
    pairs: int
    links: int
    series: pa.Table  # summarise_series result
    alerts: list[SeriesAlert]
    seconds: dict[str, float]

    @property
    def series_with_write_offs(self) -> int:
        return sum(1 for n in _written_off(self.series) if n > 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "model_version": self.model_version,
            "pairs": self.pairs,
            "links": self.links,
            "series": self.series.num_rows,
            "series_with_written_off_members": self.series_with_write_offs,
            "alerts": [
                {
                    "report_id": a.report_id,
                    "series_id": a.series_id,
                    "earlier_members": a.earlier_members,
                }
                for a in self.alerts
            ],
            "seconds": {k: round(v, 1) for k, v in self.seconds.items()},
        }


def _written_off(summary: pa.Table) -> Iterator[int]:
    columns = [c for c in ("n_cancelled", "n_transferred", "n_n100") if c in summary.column_names]
    totals = np.zeros(summary.num_rows, dtype=np.int64)
    for c in columns:
        totals += np.asarray(summary.column(c).to_numpy(zero_copy_only=False), dtype=np.int64)
    return iter(totals.tolist())


STORED_COMPONENTS = 6  # the strongest contributions kept with each stored link
# pairs explained, and links written, at a time: a run's memory stays bounded
_EXPLAIN_BATCH, _LINK_BATCH = 500_000, 500_000


def _components(model: LinkModel, frame: ReportFrame, pairs: pa.Table) -> list[str]:
    """Each pair's strongest per-feature contributions as compact JSON (the quiet ones left out).

    Worked out as arrays a batch of pairs at a time, which bounds the memory a run over
    millions of kept pairs needs (a matrix of every contribution of every pair is gigabytes);
    only the string formatting is per pair.
    """
    out: list[str] = []
    for start in range(0, pairs.num_rows, _EXPLAIN_BATCH):
        wanted = pairs.slice(start, _EXPLAIN_BATCH).select(["report_id_a", "report_id_b"])
        out.extend(_strongest(model.score(evidence(frame, wanted, model.settings))))
    return out


def _strongest(scored: pa.Table) -> list[str]:
    # the compact JSON of each scored pair's strongest contributions
    names = [c for c in scored.column_names if c.startswith("contribution_")]
    if not names:
        return ["{}"] * scored.num_rows
    matrix = np.column_stack(
        [
            np.asarray(scored.column(c).to_numpy(zero_copy_only=False), dtype=np.float64)
            for c in names
        ]
    )
    matrix = np.nan_to_num(np.round(matrix, 3))
    keep = min(STORED_COMPONENTS, len(names))
    strongest = np.argsort(-np.abs(matrix), axis=1)[:, :keep]
    values = np.take_along_axis(matrix, strongest, axis=1)
    loud = np.abs(values) >= QUIET
    # Each kept (feature, value) is one of few distinct texts ('"distance_km":1.25'): each is
    # made once, and a pair's JSON joins its own. Per pair and per value, the formatting cost
    # more than scoring the pairs.
    distinct, which = np.unique(values[loud], return_inverse=True)
    texts = [repr(float(v)) for v in distinct.tolist()]
    labels = [f'"{n[len("contribution_") :]}":' for n in names]
    pieces = strongest[loud] * len(texts) + which
    wanted, where = np.unique(pieces, return_inverse=True)
    made = [labels[k // len(texts)] + texts[k % len(texts)] for k in wanted.tolist()]
    flat = [made[k] for k in where.tolist()]
    ends = np.cumsum(loud.sum(axis=1)).tolist()
    return ["{" + ",".join(flat[b:e]) + "}" for b, e in zip([0, *ends], ends, strict=False)]


@cycle_collector.paused()
def run(
    ctx: Context,
    actor: Actor,
    *,
    top: int = DEFAULT_TOP,
    progress: Callable[[int, int], None] | None = None,
    spark: SparkOptions | None = None,
) -> RunOutcome:
    """Score every candidate pair with the latest model, store each report's ``top`` links with
    their components, form series, and say which reports joined a series an earlier run found.
    ``progress(done, total)`` hears how many reports have been scored. With ``spark`` the pairs
    are scored in Spark tasks (services.spark), with the same kept pairs and scores."""
    actor.require(Action.LINK)
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    with ctx.db.reader() as uow:
        model_run, model = _model(uow)
        reports, suspects, _ = _inputs(uow)
        earlier = uow.links.latest_run("run")
        before = uow.links.series_members(earlier.id) if earlier else None
    # converted once: scoring, the series and the reasons all read it
    frame = ReportFrame.from_arrow(reports, suspects)
    staged = stage_reports(reports, suspects, spark)
    del reports
    seconds["read"] = time.perf_counter() - t
    t = time.perf_counter()
    engine: dict[str, Any] = {}
    if staged is None:
        scored = score(frame, model, keep_top=top, progress=progress)
    else:
        scored, engine = staged.score(frame, model, top, progress)
    seconds["score"] = time.perf_counter() - t
    t = time.perf_counter()
    series = form_series(scored, model.threshold)
    summary = summarise_series(series, frame)
    seconds["series"] = time.perf_counter() - t
    t = time.perf_counter()
    components = _components(model, frame, scored)
    links = _ranked_links(scored, components, top)
    alerts = _alerts(series, before)
    seconds["explain"] = time.perf_counter() - t
    t = time.perf_counter()
    with ctx.db.unit_of_work() as uow:
        run_id = uow.links.add_run(
            kind="run",
            at=ctx.clock(),
            by=actor.name,
            model_family=model.family,
            model_version=model.version,
            model_spec=None,
            settings={"top": top, "model_run": model_run, **(spark.to_dict() if spark else {})},
            figures={
                "pairs": scored.num_rows,
                "series": summary.num_rows,
                "alerts": len(alerts),
                **engine,
            },
        )
        # a batch at a time: ten years keep tens of millions of links
        n_links = 0
        while batch := list(islice(links, _LINK_BATCH)):
            n_links += uow.links.save_links(run_id, batch)
        ids, sids = series.column("report_id").to_pylist(), series.column("series_id").to_pylist()
        uow.links.save_series(run_id, zip(sids, ids, strict=True))
        uow.commit()
    seconds["store"] = time.perf_counter() - t
    return RunOutcome(run_id, model.version, scored.num_rows, n_links, summary, alerts, seconds)


def _ranked_links(
    scored: pa.Table, components: list[str], top: int
) -> Iterator[tuple[int, int, int, float, str]]:
    """Both directions of every kept pair, ranked per report by score (best first)."""
    a = scored.column("report_id_a").to_numpy()
    b = scored.column("report_id_b").to_numpy()
    s = scored.column("score").to_numpy()
    anchor = np.concatenate([a, b])
    other = np.concatenate([b, a])
    value = np.concatenate([s, s])
    which = np.concatenate([np.arange(a.size), np.arange(a.size)])
    order = np.lexsort((other, -value, anchor))
    ranked = anchor[order]
    # each link's rank among its report's: its place less the place its report's links begin
    places = np.arange(order.size)
    first = np.ones(order.size, dtype=bool)
    first[1:] = ranked[1:] != ranked[:-1]
    rank = places - np.maximum.accumulate(np.where(first, places, 0)) + 1
    kept = rank <= top
    order = order[kept]
    yield from zip(
        anchor[order].tolist(),
        other[order].tolist(),
        rank[kept].tolist(),
        value[order].tolist(),
        [components[i] for i in which[order].tolist()],
        strict=True,
    )


def _alerts(series: pa.Table, before: pa.Table | None) -> list[SeriesAlert]:
    """Reports now in a series that an earlier run found without them: the new-member alert."""
    if before is None or before.num_rows == 0:
        return []
    earlier = dict(
        zip(
            before.column("report_id").to_pylist(),
            before.column("series_id").to_pylist(),
            strict=True,
        )
    )
    members: dict[int, list[int]] = {}
    for rid, sid in zip(
        series.column("report_id").to_pylist(), series.column("series_id").to_pylist(), strict=True
    ):
        members.setdefault(sid, []).append(rid)
    alerts: list[SeriesAlert] = []
    for sid, rids in members.items():
        known = [r for r in rids if r in earlier]
        if known:
            alerts.extend(SeriesAlert(r, sid, len(known)) for r in rids if r not in earlier)
    return alerts


@dataclass(frozen=True, slots=True)
class QueryResult:
    force: str
    reference: str
    run_id: int
    candidates: list[LinkCandidate]
    keys: dict[int, tuple[str, str, str]]  # report id -> force, reference, status


def query(
    ctx: Context, actor: Actor, force: str, reference: str, *, k: int = 10, why: str
) -> QueryResult:
    """A report's ranked candidates from the latest run, each with its score, contributions and
    reasons in plain words; written-off candidates are flagged, never dropped. The read is
    logged (DPA 2018 s.62)."""
    actor.require(Action.LINK)
    stated_reason(why)
    with ctx.db.reader() as uow:
        found = uow.reports.digests([(force, reference)])
        if not found:
            raise NotFound(f"no report {force} {reference}")
        report_id = found[(force, reference)][0]
        latest = uow.links.latest_run("run")
        if latest is None:
            raise NotFound("no linkage run yet: run `caselink link run` first")
        _, model = _model(uow)
        stored = uow.links.links_of(latest.id, report_id, k)
        ids = [report_id, *(link.other_id for link in stored)]
        frame = uow.links.report_frame(ids)
        # the suspects of these reports only: reading every entity cost seconds on ten years
        suspects = uow.persons.suspect_entities(report_ids=ids)
    # Logged before anything is returned, in a short write of its own (writers take turns).
    log_consultation(ctx, actor, [(force, reference)], why=why, detail="linkage candidates")
    keys = {link.other_id: (link.force, link.reference, link.status) for link in stored}
    keys[report_id] = (force, reference, "")
    if len(ids) == 1:
        return QueryResult(force, reference, latest.id, [], keys)
    # Reasons are worked out for the stored candidates only, so a query costs the same
    # however large the store.
    mine = suspects if suspects.num_rows else None
    candidates = top_links(frame, model, report_id, k, persons=mine, labels=_labels(ctx))
    return QueryResult(force, reference, latest.id, candidates, keys)


def _labels(ctx: Context) -> dict[str, str]:
    return {
        f"{d.name}:{code}": label.lower()
        for d in ctx.taxonomy.domains.values()
        for code, label in d.codes.items()
    }


def series(ctx: Context, actor: Actor) -> tuple[int, pa.Table, dict[int, tuple[str, str]]]:
    """The latest run's series: members, span, forces, written-off members; and member keys."""
    actor.require(Action.LINK)
    with ctx.db.reader() as uow:
        latest = uow.links.latest_run("run")
        if latest is None:
            raise NotFound("no linkage run yet: run `caselink link run` first")
        members = uow.links.series_members(latest.id)
        ids = members.column("report_id").to_pylist()
        frame = uow.links.report_frame(ids)
    keys = dict(
        zip(
            frame.column("report_id").to_pylist(),
            zip(
                frame.column("force").to_pylist(),
                frame.column("reference").to_pylist(),
                strict=True,
            ),
            strict=True,
        )
    )
    return latest.id, summarise_series(members, frame), keys


def evaluate(
    ctx: Context,
    actor: Actor,
    *,
    labels: Path,
    folds: int = 5,
    seed: int = 0,
    settings: LinkSettings | None = None,
) -> dict[str, Any]:
    """Offender-split k-fold cross-validation on the labelled reports (see docs/linkage.md):
    AUC, top-k recall for k = 1, 5, 10, 50, pair counts and the chosen model family."""
    actor.require(Action.LINK)
    with ctx.db.reader() as uow:
        frame, suspects, feedback = _inputs(uow)
        label_table = _labels_from_file(uow, labels)
    figures = evaluate_model(
        frame,
        label_table,
        folds=folds,
        seed=seed,
        settings=settings,
        persons=suspects,
        feedback=feedback if feedback.num_rows else None,
    )
    with ctx.db.unit_of_work() as uow:
        uow.links.add_run(
            kind="evaluate",
            at=ctx.clock(),
            by=actor.name,
            model_family=str(figures.get("family")),
            model_version=None,
            model_spec=None,
            settings={"folds": folds, "seed": seed, "labels": labels.name},
            figures=figures,
        )
        uow.commit()
    return figures


def verdict(
    ctx: Context,
    actor: Actor,
    report: tuple[str, str],
    other: tuple[str, str],
    *,
    confirmed: bool,
    note: str | None = None,
) -> None:
    """An analyst confirms or rejects a proposed link; the verdict is kept and becomes a label
    at the next training."""
    actor.require(Action.LINK)
    with ctx.db.unit_of_work() as uow:
        ids = uow.reports.digests([report, other])
        for key in (report, other):
            if key not in ids:
                raise NotFound(f"no report {key[0]} {key[1]}")
        uow.links.add_feedback(
            ids[report][0],
            ids[other][0],
            "confirmed" if confirmed else "rejected",
            note,
            actor.name,
            ctx.clock(),
        )
        uow.commit()
