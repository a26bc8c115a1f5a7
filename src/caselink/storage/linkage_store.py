"""What offence linkage reads and writes: the report frame, labels, feedback, runs and results.

``LinkStore`` (``uow.links``). Linkage itself never touches the database: these queries hand it
Arrow tables and store what it returns, stamped with the run (and model version) that produced
it.
"""

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Select, and_, func, insert, select

from caselink.storage.bulk import BulkWriter, driver_connection
from caselink.storage.report_rows import LIST_SEPARATOR
from caselink.storage.tables import (
    cancellations,
    link_feedback,
    link_runs,
    link_series,
    offenders,
    report_links,
    reports,
)

_FRAME_COLUMNS = (
    "force", "reference", "status", "offence_code", "reported_at", "occurred_from",
    "occurred_to", "latitude", "longitude", "x", "y", "area_code", "offender_sex",
    "offender_age_band", "offender_height", "offender_build", "offender_ethnic_appearance",
    "relationship",
)  # fmt: skip
_TIME = pa.timestamp("us", tz="UTC")
_TYPES: dict[str, pa.DataType] = {
    "reported_at": _TIME, "occurred_from": _TIME, "occurred_to": _TIME,
    "latitude": pa.float64(), "longitude": pa.float64(), "x": pa.float64(), "y": pa.float64(),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class LinkRun:
    id: int
    kind: str
    created_at: datetime
    created_by: str
    model_family: str | None
    model_version: str | None
    model_spec: str | None
    settings: dict[str, Any]
    figures: dict[str, Any]


def _run(row: Any) -> LinkRun:
    return LinkRun(
        row.id, row.kind, row.created_at, row.created_by, row.model_family, row.model_version,
        row.model_spec, json.loads(row.settings), json.loads(row.figures),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoredLink:
    other_id: int
    force: str
    reference: str
    status: str
    rank: int
    score: float
    components: dict[str, float]


class LinkStore:
    """Offence linkage's runs and results, and the tables it reads (``uow.links``): every read
    and write in the unit of work's transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def report_frame(
        self, report_ids: Sequence[int] | None = None, batch: int = 50_000
    ) -> pa.Table:
        """Every report (or those of ``report_ids``) as linkage's input table (see
        caselink.linkage.offences.frame), written-off ones too.

        A report's cancellation code is its current cancellation's (applied or pending): a
        cancelled or N100 report stays in the index, flagged, never dropped.
        """
        wanted = None if report_ids is None else sorted(set(report_ids))
        current_query = (
            select(cancellations.c.report_id, func.max(cancellations.c.id).label("cid"))
            .where(cancellations.c.state != "refused")
            .group_by(cancellations.c.report_id)
        )
        if wanted is not None:
            # only these reports' cancellations: grouping all of them cost 10 ms a query
            current_query = current_query.where(cancellations.c.report_id.in_(wanted))
        current = current_query.subquery()
        code = (
            select(cancellations.c.code)
            .where(cancellations.c.id == current.c.cid)
            .scalar_subquery()
        )
        query = (
            select(
                reports.c.id, *[reports.c[c] for c in _FRAME_COLUMNS], reports.c.behaviours,
                reports.c.attributes, code.label("cancellation_code"),
            )
            .select_from(reports.outerjoin(current, current.c.report_id == reports.c.id))
            .order_by(reports.c.id)
        )  # fmt: skip
        if wanted is not None:
            query = query.where(reports.c.id.in_(wanted))
        names = ("report_id", *_FRAME_COLUMNS, "behaviours", "attributes", "cancellation_code")
        columns: dict[str, list[Any]] = {name: [] for name in names}
        for rows in self._frame_batches(query, batch):
            for name, values in zip(names, zip(*rows, strict=True), strict=True):
                columns[name].extend(values)  # a batch's rows turned into columns in C
        columns["behaviours"] = [
            listed.split(LIST_SEPARATOR) if listed else [] for listed in columns["behaviours"]
        ]
        arrays = {
            name: self._frame_array(name, values)
            for name, values in columns.items()
            if name != "behaviours"
        }
        arrays["behaviours"] = pa.array(columns["behaviours"], type=pa.list_(pa.string()))
        return pa.table(arrays)

    def _frame_batches(self, query: Select[Any], batch: int) -> Iterator[Sequence[Any]]:
        """The report frame query's rows, a batch at a time. On SQLite through the driver, in
        this transaction still, times left as the text stored (``_frame_array`` reads them):
        SQLAlchemy's rows and its reading of times were half of a national year's read, which
        training and every run make."""
        if self._conn.dialect.name != "sqlite":
            yield from self._conn.execute(query.execution_options(yield_per=batch)).partitions()
            return
        sql = str(query.compile(dialect=self._conn.dialect, compile_kwargs={"literal_binds": True}))
        cursor = driver_connection(self._conn).cursor()
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(batch):
                yield rows
        finally:
            cursor.close()

    def _frame_array(self, name: str, values: list[Any]) -> pa.Array:
        kind = _TYPES.get(name, pa.int64() if name == "report_id" else pa.string())
        if kind == _TIME and self._conn.dialect.name == "sqlite":
            # SQLite's naive UTC text, read by Arrow a column at a time
            return pa.array(values, pa.string()).cast(pa.timestamp("us")).cast(_TIME)
        return pa.array(values, type=kind)

    def offender_labels(self) -> pa.Table:
        """The known offenders of solved reports: offender_id, report_id."""
        rows = self._conn.execute(select(offenders.c.offender_id, offenders.c.report_id)).all()
        return pa.table({
            "offender_id": pa.array([r[0] for r in rows], pa.string()),
            "report_id": pa.array([r[1] for r in rows], pa.int64()),
        })  # fmt: skip

    def feedback_pairs(self) -> pa.Table:
        """Analysts' latest verdict on each proposed pair: report_id_a, report_id_b, linked."""
        latest = (
            select(func.max(link_feedback.c.id).label("id"))
            .group_by(link_feedback.c.report_id, link_feedback.c.other_id)
            .subquery()
        )
        rows = self._conn.execute(
            select(
                link_feedback.c.report_id, link_feedback.c.other_id, link_feedback.c.verdict
            ).join(latest, latest.c.id == link_feedback.c.id)
        ).all()
        return pa.table({
            "report_id_a": pa.array([r[0] for r in rows], pa.int64()),
            "report_id_b": pa.array([r[1] for r in rows], pa.int64()),
            "linked": pa.array([r[2] == "confirmed" for r in rows], pa.bool_()),
        })  # fmt: skip

    def add_run(
        self,
        *,
        kind: str,
        at: datetime,
        by: str,
        model_family: str | None,
        model_version: str | None,
        model_spec: str | None,
        settings: dict[str, Any],
        figures: dict[str, Any],
    ) -> int:
        """Record a training, scoring or evaluation run; returns its id."""
        result = self._conn.execute(
            insert(link_runs).values(
                kind=kind, created_at=at, created_by=by, model_family=model_family,
                model_version=model_version, model_spec=model_spec,
                settings=json.dumps(settings, sort_keys=True),
                figures=json.dumps(figures, sort_keys=True),
            )
        )  # fmt: skip
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def latest_run(self, kind: str) -> LinkRun | None:
        """The newest run of that kind ("train", "run" or "evaluate"), or None before one."""
        row = self._conn.execute(
            select(link_runs)
            .where(link_runs.c.kind == kind)
            .order_by(link_runs.c.id.desc())
            .limit(1)
        ).first()
        return _run(row) if row else None

    def save_links(self, run_id: int, rows: Iterable[tuple[int, int, int, float, str]]) -> int:
        """Store scored links: (report_id, other_id, rank, score, components JSON)."""
        batch = [(run_id, *r) for r in rows]
        # plain numbers and text, nothing a driver would store differently: written as they are
        BulkWriter(self._conn).insert_ready(
            report_links, ("run_id", "report_id", "other_id", "rank", "score", "components"), batch
        )
        return len(batch)

    def save_series(self, run_id: int, members: Iterable[tuple[int, int]]) -> int:
        """Store series membership: (series_id, report_id)."""
        batch = [(run_id, s, r) for s, r in members]
        BulkWriter(self._conn).insert(link_series, ("run_id", "series_id", "report_id"), batch)
        return len(batch)

    def links_of(self, run_id: int, report_id: int, k: int) -> list[StoredLink]:
        """A report's stored top links in a run, best first."""
        rows = self._conn.execute(
            select(
                report_links.c.other_id, reports.c.force, reports.c.reference, reports.c.status,
                report_links.c.rank, report_links.c.score, report_links.c.components,
            )
            .join(reports, reports.c.id == report_links.c.other_id)
            .where(and_(report_links.c.run_id == run_id, report_links.c.report_id == report_id))
            .order_by(report_links.c.rank)
            .limit(k)
        )  # fmt: skip
        return [
            StoredLink(
                r.other_id,
                r.force,
                r.reference,
                r.status,
                r.rank,
                r.score,
                json.loads(r.components),
            )
            for r in rows
        ]

    def series_members(self, run_id: int) -> pa.Table:
        """Series membership of a run: series_id, report_id."""
        rows = self._conn.execute(
            select(link_series.c.series_id, link_series.c.report_id).where(
                link_series.c.run_id == run_id
            )
        ).all()
        return pa.table({
            "series_id": pa.array([r[0] for r in rows], pa.int64()),
            "report_id": pa.array([r[1] for r in rows], pa.int64()),
        })  # fmt: skip

    def add_feedback(
        self,
        report_id: int,
        other_id: int,
        verdict: str,
        note: str | None,
        by: str,
        at: datetime,
    ) -> None:
        """Keep an analyst's verdict on a proposed pair; the latest verdict on a pair counts."""
        self._conn.execute(
            insert(link_feedback).values(
                report_id=report_id, other_id=other_id, verdict=verdict, note=note, decided_by=by,
                decided_at=at,
            )
        )  # fmt: skip
