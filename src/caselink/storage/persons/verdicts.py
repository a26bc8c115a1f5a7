"""Analysts' verdicts on pairs of person records, and the pairs each run offers for review.

``PersonVerdicts`` (``uow.person_verdicts``): a run keeps the pairs near its threshold it offers
for review (ids, scores and comparisons, no names); an analyst's verdict on a pair (same,
different, unsure) is appended, never changed, and the latest on a pair counts. The next run
keeps to the verdicts (``pair_label_table``) and recalibrates its threshold from them.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, insert, select

from caselink.storage.tables import person_pair_labels, person_review_pairs

PAIR_LABEL_SCHEMA = pa.schema(
    [("person_id_l", pa.int64()), ("person_id_r", pa.int64()), ("verdict", pa.string())]
)


@dataclass(frozen=True, slots=True)
class PairLabel:
    """The latest verdict on a pair of person records (lower id first)."""

    person_id_l: int
    person_id_r: int
    verdict: str  # same | different | unsure
    reason: str
    labelled_by: str
    labelled_at: datetime
    run_id: int | None
    match_probability: float | None
    linked: bool | None


class PersonVerdicts:
    """The review pairs of each run and the verdicts analysts gave on pairs."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def save_review(self, run_id: int, pairs: list[dict[str, Any]]) -> None:
        """Keep the pairs a run offers for review (ids, scores and comparisons; no names)."""
        self._conn.execute(
            insert(person_review_pairs).values(run_id=run_id, pairs=json.dumps(pairs))
        )

    def review_pairs(self, run_id: int) -> list[dict[str, Any]]:
        """The pairs run ``run_id`` offered for review, nearest the threshold first."""
        text = self._conn.execute(
            select(person_review_pairs.c.pairs).where(person_review_pairs.c.run_id == run_id)
        ).scalar()
        return list(json.loads(text)) if text else []

    def add_pair_label(
        self,
        *,
        person_ids: tuple[int, int],
        verdict: str,
        reason: str,
        labelled_by: str,
        labelled_at: datetime,
        run_id: int | None,
        match_probability: float | None,
        linked: bool | None,
    ) -> None:
        """Append a verdict on a pair of records; the latest on a pair counts."""
        low, high = sorted(person_ids)
        self._conn.execute(
            insert(person_pair_labels).values(
                person_id_l=low,
                person_id_r=high,
                verdict=verdict,
                reason=reason,
                labelled_by=labelled_by,
                labelled_at=labelled_at,
                run_id=run_id,
                match_probability=match_probability,
                linked=linked,
            )
        )

    def pair_labels(self) -> list[PairLabel]:
        """The latest verdict on every labelled pair."""
        t = person_pair_labels.c
        latest: dict[tuple[int, int], PairLabel] = {}
        for row in self._conn.execute(select(person_pair_labels).order_by(t.id)):
            key = (int(row.person_id_l), int(row.person_id_r))
            latest[key] = PairLabel(
                key[0],
                key[1],
                row.verdict,
                row.reason,
                row.labelled_by,
                row.labelled_at,
                None if row.run_id is None else int(row.run_id),
                row.match_probability,
                row.linked,
            )
        return list(latest.values())

    def pair_label_table(self) -> pa.Table:
        """The latest verdicts as ``PAIR_LABEL_SCHEMA``, what a run keeps to."""
        labels = self.pair_labels()
        return pa.table(
            {
                "person_id_l": [x.person_id_l for x in labels],
                "person_id_r": [x.person_id_r for x in labels],
                "verdict": [x.verdict for x in labels],
            },
            schema=PAIR_LABEL_SCHEMA,
        )
