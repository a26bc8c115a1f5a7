"""Screening write-offs: every cancelled, transferred, pending and N100 report ranked by the risk
that it was wrongly decided, each flag citing the rule behind it, and, where the right answers
are known (the synthetic dataset's truth), how much better the ranking finds wrong write-offs
than a random audit of the same size.
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caselink.domain.errors import InvalidRequest
from caselink.domain.report import Report
from caselink.domain.roles import Action
from caselink.domain.rules.cancellation import invalid_grounds_in
from caselink.domain.rules.catalogue import (
    CANCELLATION_AUTHORITY,
    CANCELLATION_EVIDENCE,
    CANCELLATION_GROUNDS,
    COMPLAINANT_INFORMED,
    N100_RATIONALE,
    RECORDING_DEADLINE,
    Rule,
)
from caselink.domain.values import Scope, Status
from caselink.integrity import Screening, screening_at
from caselink.services.context import Actor, Context

# Rules that come from what linkage and person resolution found rather than from the record.
SUSPECT_ELSEWHERE = Rule(
    "LNK-1",
    "The suspect is named in other reports",
    "HMIC/HMCPSI, Forging the links (2012): a suspect named in a written-off report may be the "
    "person named in other reports; the intelligence must not be lost",
)
LINKED_SERIES = Rule(
    "LNK-2",
    "The report is part of a linked series",
    "HMIC/HMCPSI, Forging the links (2012): every stranger rape should be treated as possibly "
    "part of a series; a series member written off deserves a second look",
)

# The weight of each flag in the risk score (the score is their sum). The record's own defects
# weigh most: a write-off resting on grounds that are not grounds (CAN-2) or without its evidence
# (CAN-1) is wrong on its face in most audits (HMIC 2014). Links to other reports come next:
# they do not make a decision wrong but raise what is at stake. Process failures (the
# complainant not told, authorisation outstanding, a late decision) say less about whether the
# write-off itself was right.
WEIGHTS: dict[str, float] = {
    CANCELLATION_GROUNDS.id: 3.0,
    CANCELLATION_EVIDENCE.id: 3.0,
    SUSPECT_ELSEWHERE.id: 2.0,
    LINKED_SERIES.id: 2.0,
    N100_RATIONALE.id: 1.5,
    COMPLAINANT_INFORMED.id: 1.0,
    CANCELLATION_AUTHORITY.id: 0.5,
    RECORDING_DEADLINE.id: 0.5,
}
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        CANCELLATION_GROUNDS,
        CANCELLATION_EVIDENCE,
        SUSPECT_ELSEWHERE,
        LINKED_SERIES,
        N100_RATIONALE,
        COMPLAINANT_INFORMED,
        CANCELLATION_AUTHORITY,
        RECORDING_DEADLINE,
    )
}
SCREEN_AT: tuple[int, ...] = (100, 500, 1000)


@dataclass(frozen=True, slots=True)
class Flag:
    rule: str
    title: str
    message: str
    weight: float
    citation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "message": self.message,
            "weight": self.weight,
            "citation": self.citation,
        }


@dataclass(frozen=True, slots=True)
class ScreenedWriteOff:
    """One write-off, its risk score and the flags that make it up. No personal data."""

    rank: int
    force: str
    reference: str
    status: str
    code: str | None
    pending: bool
    score: float
    flags: tuple[Flag, ...]

    @property
    def kind(self) -> str:
        if self.pending and self.code:
            return f"{self.code} pending"
        return f"{self.status} {self.code}" if self.code else self.status

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "force": self.force,
            "reference": self.reference,
            "status": self.status,
            "cancellation_code": self.code,
            "pending": self.pending,
            "score": self.score,
            "flags": [f.to_dict() for f in self.flags],
        }


@dataclass(frozen=True, slots=True)
class TruthCheck:
    """The ranking against known right answers: `matched` write-offs had a truth row, of which
    `wrong` were wrongly decided; `unmatched` had none and are left out of the evaluation."""

    path: str
    matched: int
    wrong: int
    unmatched: int
    at: tuple[Screening, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "truth": self.path,
            "matched": self.matched,
            "wrong": self.wrong,
            "unmatched": self.unmatched,
            "at": [s.to_dict() for s in self.at],
        }


@dataclass(frozen=True, slots=True)
class ScreenResult:
    total: int
    flagged: int
    items: tuple[ScreenedWriteOff, ...]  # the top of the ranking asked for
    truth: TruthCheck | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "write_offs": self.total,
            "flagged": self.flagged,
            "weights": {
                rule: {"weight": w, "title": RULES[rule].title} for rule, w in WEIGHTS.items()
            },
            "ranked": [i.to_dict() for i in self.items],
            "evaluation": self.truth.to_dict() if self.truth else None,
        }


def flags_of(report: Report, ctx: Context, series: int, named_elsewhere: int) -> list[Flag]:
    """The screening flags of one write-off: the domain's findings on it, an N100 whose rationale
    rests on a ground that is no ground, and what linkage and person resolution found."""
    raised: dict[str, Flag] = {}

    def add(rule: Rule, message: str) -> None:
        if rule.id in raised:  # one flag per rule: the score counts a rule once
            first = raised[rule.id]
            raised[rule.id] = Flag(
                rule.id, rule.title, f"{first.message}; {message}", first.weight, rule.citation
            )
        else:
            raised[rule.id] = Flag(rule.id, rule.title, message, WEIGHTS[rule.id], rule.citation)

    for finding in report.findings(ctx.policy):
        if finding.rule.id in WEIGHTS:
            add(finding.rule, finding.message)
    if report.status is Status.N100 and report.recording_rationale:
        # An N100 is a decision not to record a rape: the grounds that cannot justify a
        # cancellation cannot justify that either.
        for ground in invalid_grounds_in(report.recording_rationale):
            add(CANCELLATION_GROUNDS, f"N100 rationale rests on {ground.description}")
    if named_elsewhere:
        add(SUSPECT_ELSEWHERE, f"suspect also named in {named_elsewhere} other report(s)")
    if series:
        add(LINKED_SERIES, f"part of a linked series of {series} reports")
    return sorted(raised.values(), key=lambda f: (-f.weight, f.rule))


def _score(flags: Sequence[Flag]) -> float:
    return float(sum(f.weight for f in flags))


def screen(
    ctx: Context,
    actor: Actor,
    *,
    scope: Scope = Scope(),
    top: int | None = 50,
    truth: Path | None = None,
    at: Sequence[int] = SCREEN_AT,
) -> ScreenResult:
    """Rank every write-off in scope (cancelled, transferred, awaiting authorisation, N100) by
    its risk score, the sum of the weights of its flags (WEIGHTS; docs/integrity.md). Ties keep
    force and reference order. With `truth` (a CSV of reference, force, valid, such as the
    synthetic dataset's truth/write_off_validity.csv), measure precision and recall at each n
    of `at` against a random audit of n."""
    actor.require(Action.AUDIT)
    with ctx.db.reader() as uow:
        series = uow.queries.series_sizes()
        named = uow.queries.suspects_named_elsewhere()
        scored: list[tuple[float, str, str, Report, tuple[Flag, ...]]] = []
        for report_id, report in uow.queries.write_off_reports(scope):
            flags = tuple(flags_of(report, ctx, series.get(report_id, 0), named.get(report_id, 0)))
            scored.append((_score(flags), report.force, report.reference, report, flags))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    items: list[ScreenedWriteOff] = []
    for rank, (score, force, reference, report, flags) in enumerate(scored, start=1):
        if top is not None and rank > top:
            break
        current = report.applied_cancellation or report.pending_cancellation
        items.append(
            ScreenedWriteOff(
                rank,
                force,
                reference,
                report.status.value,
                current.code.value if current else None,
                report.pending_cancellation is not None,
                score,
                flags,
            )
        )
    check = None
    if truth is not None:
        check = _against_truth(truth, [(s[1], s[2], s[0]) for s in scored], at)
    flagged = sum(1 for s in scored if s[0] > 0)
    return ScreenResult(len(scored), flagged, tuple(items), check)


def read_truth(path: Path) -> dict[tuple[str, str], bool]:
    """(force, reference) -> whether the write-off was rightly decided, from a CSV with columns
    reference, force, valid (true/false)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"reference", "force", "valid"} - set(reader.fieldnames or [])
        if missing:
            raise InvalidRequest(
                f"{path.name}: a truth file needs columns reference, force, valid; "
                f"missing: {', '.join(sorted(missing))}"
            )
        truth: dict[tuple[str, str], bool] = {}
        for row in reader:
            value = (row["valid"] or "").strip().lower()
            if value not in ("true", "false"):
                raise InvalidRequest(
                    f"{path.name} line {reader.line_num}: valid {value!r} is not true or false"
                )
            truth[(row["force"], row["reference"])] = value == "true"
    return truth


def _against_truth(
    path: Path, ranked: Sequence[tuple[str, str, float]], at: Sequence[int]
) -> TruthCheck:
    truth = read_truth(path)
    scores: list[float] = []
    labels: list[bool] = []
    for force, reference, score in ranked:
        valid = truth.get((force, reference))
        if valid is not None:
            scores.append(score)
            labels.append(not valid)
    unmatched = len(ranked) - len(scores)
    sizes = sorted({min(n, len(scores)) for n in at if n > 0 and scores})
    return TruthCheck(
        path.name,
        len(scores),
        sum(labels),
        unmatched,
        tuple(screening_at(scores, labels, n) for n in sizes),
    )
