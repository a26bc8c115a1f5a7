"""Missed chances: reports written off, or closed because no suspect was found, that belong to a
linked series in which another report has an identified or charged suspect — the chances to
name a suspect that a review should look at first, ranked by the strength of the series."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from caselink.domain.values import Status

WRITTEN_OFF = frozenset({Status.CANCELLED.value, Status.TRANSFERRED.value})
NO_SUSPECT_OUTCOMES = frozenset({"14", "18"})
Reason = Literal["written_off", "no_suspect_outcome"]

DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "written_off": "reports cancelled or transferred (status cancelled or transferred)",
        "no_suspect_outcome": (
            "reports closed with Home Office outcome 14 (evidential difficulties, suspect not "
            "identified, victim does not support action) or 18 (investigation complete, no "
            "suspect identified)"
        ),
        "missed_chance": (
            "a written-off or no-suspect report in a linked series in which another member has "
            "an identified or charged suspect"
        ),
        "with_suspect": "a member with a suspect identified, or charged",
        "ranking": (
            "by the series' score, highest first, series without a score last; ties by series "
            "id, then force, reference and report id"
        ),
        "series": (
            "a series of offences linked by offence linkage; its score as given with it (e.g. "
            "the mean score of the links between its members)"
        ),
    }
)


@dataclass(frozen=True, slots=True)
class SeriesReport:
    """One report with its place in a linked series (`series_id` None when in none; the
    series' `series_score` None when the series has no stored score)."""

    report_id: int
    force: str
    reference: str
    status: str
    outcome: str | None
    suspect_identified: bool
    charged: bool
    series_id: int | None
    series_score: float | None

    def __post_init__(self) -> None:
        if self.series_score is not None and not math.isfinite(self.series_score):
            raise ValueError(f"report {self.report_id}: a series score is a finite number")

    @property
    def has_suspect(self) -> bool:
        """A suspect identified, or charged (a charge implies one)."""
        return self.suspect_identified or self.charged

    @property
    def reason(self) -> Reason | None:
        """Why the report could be a missed chance: written off, or closed with no suspect."""
        if self.status in WRITTEN_OFF:
            return "written_off"
        if self.outcome in NO_SUSPECT_OUTCOMES:
            return "no_suspect_outcome"
        return None


@dataclass(frozen=True, slots=True)
class SuspectMember:
    """A member of the series with a suspect: the lead the missed chance may share."""

    report_id: int
    force: str
    reference: str
    suspect_identified: bool
    charged: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "force": self.force,
            "reference": self.reference,
            "suspect_identified": self.suspect_identified,
            "charged": self.charged,
        }


@dataclass(frozen=True, slots=True)
class MissedChance:
    """A report to review: why it is listed, its series and score, and the other members of the
    series with a suspect."""

    report_id: int
    force: str
    reference: str
    status: str
    outcome: str | None
    reason: Reason
    series_id: int
    series_score: float | None
    members_with_suspects: tuple[SuspectMember, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "force": self.force,
            "reference": self.reference,
            "status": self.status,
            "outcome": self.outcome,
            "reason": self.reason,
            "series_id": self.series_id,
            "series_score": self.series_score,
            "members_with_suspects": [m.to_dict() for m in self.members_with_suspects],
        }


@dataclass(frozen=True, slots=True)
class MissedChances:
    """The missed chances in ranked order, with the counts they were found among: `reports`
    examined, `in_series` of them in a series, `series` in all, `series_with_suspects` with at
    least one member with a suspect."""

    chances: tuple[MissedChance, ...]
    reports: int
    in_series: int
    series: int
    series_with_suspects: int

    @property
    def definitions(self) -> Mapping[str, str]:
        """What counts as written off, no suspect, a missed chance, and the ranking."""
        return DEFINITIONS

    def to_dict(self) -> dict[str, Any]:
        return {
            "chances": [c.to_dict() for c in self.chances],
            "counts": {
                "reports": self.reports,
                "in_series": self.in_series,
                "series": self.series,
                "series_with_suspects": self.series_with_suspects,
                "chances": len(self.chances),
            },
            "definitions": dict(self.definitions),
        }


def missed_chances(reports: Sequence[SeriesReport]) -> MissedChances:
    """The reports written off (cancelled or transferred) or closed with outcome 14 or 18 (no
    suspect) that belong to a linked series in which another member has a suspect identified or
    charged — each listed with its series, the series' score and those members.

    Ranked by the series' score, highest first (a stronger series is a likelier shared offender;
    a series without a score comes last), then by series id, force, reference and report id, so
    the order never depends on the input's.
    A report that is itself the only member with a suspect does not make its own series count.
    Raises ValueError when a report appears twice or one series carries two scores.
    """
    ids = [r.report_id for r in reports]
    if len(set(ids)) != len(ids):
        raise ValueError("each report may appear once")
    members: dict[int, list[SeriesReport]] = defaultdict(list)
    scores: dict[int, float | None] = {}
    for r in reports:
        if r.series_id is not None:
            members[r.series_id].append(r)
            if scores.setdefault(r.series_id, r.series_score) != r.series_score:
                raise ValueError(f"series {r.series_id} has more than one score")

    chances = []
    for series_id, group in members.items():
        with_suspect = sorted(
            (r for r in group if r.has_suspect),
            key=lambda r: (r.force, r.reference, r.report_id),
        )
        for r in group:
            reason = r.reason
            others = tuple(_member(m) for m in with_suspect if m.report_id != r.report_id)
            if reason is None or not others:
                continue
            chances.append(
                MissedChance(
                    r.report_id,
                    r.force,
                    r.reference,
                    r.status,
                    r.outcome,
                    reason,
                    series_id,
                    scores[series_id],
                    others,
                )
            )
    chances.sort(key=_rank)
    return MissedChances(
        tuple(chances),
        len(reports),
        sum(len(g) for g in members.values()),
        len(members),
        sum(1 for g in members.values() if any(r.has_suspect for r in g)),
    )


def _rank(c: MissedChance) -> tuple[bool, float, int, str, str, int]:
    # Highest score first; a series without a score after every scored one.
    score = c.series_score
    return (score is None, -(score or 0.0), c.series_id, c.force, c.reference, c.report_id)


def _member(r: SeriesReport) -> SuspectMember:
    return SuspectMember(r.report_id, r.force, r.reference, r.suspect_identified, r.charged)
