"""Ranked candidates for one report, with per-feature contributions and reasons in words.

A reason is the evidence as an analyst would say it, then the signed contribution it makes to
the score (a log Bayes factor: +2.3 makes the link about ten times more likely than before):
"2.3 km apart +1.9", "both: blitz (approach), gagged (control) +1.2". Contributions smaller
than 0.05 in size are not worded. A cancelled, transferred or N100 report is never dropped:
it is flagged, e.g. "cancelled C2 — still considered".
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from caselink.linkage.offences.candidates import candidates_of
from caselink.linkage.offences.evidence import Evidence, EvidenceMaker
from caselink.linkage.offences.frame import ReportFrame, as_frame
from caselink.linkage.offences.model.link_model import LinkModel
from caselink.linkage.offences.settings import LinkSettings

QUIET = 0.05  # contributions smaller than this are noise to a reader


@dataclass(frozen=True, slots=True)
class LinkCandidate:
    """One ranked candidate of a report: its score, contributions by feature, reasons, flags."""

    report_id: int
    candidate_id: int
    rank: int
    score: float
    contributions: Mapping[str, float]
    evidence: Mapping[str, float | int | str | None]
    reasons: tuple[str, ...]
    flags: tuple[str, ...] = field(default=())


def status_flag(status: str, code: str | None) -> str | None:
    """How a written-off or N100 report is marked in a list of links, or None."""
    if status == "cancelled":
        return f"cancelled {code or ''}".strip() + " — still considered"
    if status == "transferred":
        return f"transferred {code or 'C1'} — still considered"
    if status == "n100":
        return "N100 — still considered"
    return None


def _signed(x: float) -> str:
    return f"{x:+.1f}"


def _days(d: float) -> str:
    if d < 1:
        return f"{d * 24:.1f} hours"
    return f"{d:.0f} day" + ("" if round(d) == 1 else "s")


def _words(code: str, labels: Mapping[str, str] | None) -> str:
    if labels and code in labels:
        return labels[code]
    domain, _, value = code.partition(":")
    return f"{value.replace('_', ' ')} ({domain.replace('_', ' ')})" if value else code


def _behaviour_codes(frame: ReportFrame, row: int, domain: str | None) -> set[str]:
    sets = frame.behaviours
    bits = sets.bits[row]
    out = set()
    for k, v in enumerate(sets.vocabulary):
        if bits[k // 64] >> np.uint64(k % 64) & np.uint64(1) and (
            domain is None or v.startswith(domain + ":")
        ):
            out.add(v)
    return out


def _reason(
    name: str,
    value: float | int | str | None,
    c: float,
    frame: ReportFrame,
    a: int,
    b: int,
    labels: Mapping[str, str] | None,
) -> str | None:
    sign = _signed(c)
    known = value is not None and not (isinstance(value, float) and np.isnan(value))
    if name == "distance_km":
        return f"{value:.1f} km apart {sign}" if known else f"places not comparable {sign}"
    if name == "time_apart_days":
        return f"{_days(float(value))} apart {sign}" if known else f"time of offence unknown {sign}"  # type: ignore[arg-type]
    if name == "time_of_day_hours":
        return f"{value:.1f} h apart in time of day {sign}" if known else None
    if name == "day_of_week_days":
        return f"{value:.1f} days apart in day of week {sign}" if known else None
    if name.startswith("behaviours_"):
        domain = (
            None if name == "behaviours_jaccard" else name[len("behaviours_") : -len("_jaccard")]
        )
        ca, cb = _behaviour_codes(frame, a, domain), _behaviour_codes(frame, b, domain)
        shared = sorted(ca & cb)
        if domain is None:
            share = f"{value:.0%}" if known else "unknown"
            return f"behaviours {share} shared {sign}"
        if shared:
            return "both: " + ", ".join(_words(s, labels) for s in shared) + f" {sign}"
        if ca and cb:
            left = ", ".join(_words(s, labels) for s in sorted(ca))
            right = ", ".join(_words(s, labels) for s in sorted(cb))
            return f"{domain.replace('_', ' ')} differs: {left} / {right} {sign}"
        return None
    pretty = name.replace("attribute_", "").replace("_", " ")
    if name == "relationship":
        return f"relationship {str(value).replace('|', ' / ')} {sign}" if known else None
    code = int(value) if isinstance(value, int) else -1
    if name == "same_person":
        words = {1: "same suspect named in both", 0: "different suspects named"}
    elif name in ("offender_age", "offender_height"):
        words = {1: f"{pretty} bands overlap", 0: f"{pretty} bands do not overlap"}
    else:
        words = {1: f"same {pretty}", 0: f"different {pretty}"}
    return f"{words[code]} {sign}" if code in words else None


def _value(ev: Evidence, name: str, k: int, rel: list[str | None]) -> float | int | str | None:
    if name == "relationship":
        return rel[k]
    col = ev.columns.get(name)
    if col is None:
        return None
    v = col[k]
    return float(v) if col.dtype.kind == "f" else int(v)


def top_links(
    reports: "pa.Table | ReportFrame",
    model: LinkModel,
    report_id: int,
    k: int | None = 10,
    *,
    settings: LinkSettings | None = None,
    persons: pa.Table | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[LinkCandidate]:
    """The ``k`` best candidates of one report (all of them when k is None), best first.

    Candidates follow the model's candidate rule (or ``settings``); ties are broken by report
    id. ``labels`` maps "domain:code" to words for reasons (e.g. the taxonomy's labels). Pass a
    ReportFrame rather than a table when ranking many reports, to check the input only once.
    """
    settings = settings or model.settings
    frame = as_frame(reports, persons)
    row = int(frame.rows_of([report_id])[0])
    others = candidates_of(frame, row, settings)
    maker = EvidenceMaker(frame, domains=model.domains(), attributes=model.attributes())
    anchor = np.full(others.shape[0], row, dtype=np.int64)
    ev = maker(anchor, others)
    bins = model.bins(ev)
    scores = model.score_bins(bins)
    contrib = model.contributions_from_bins(bins)
    order = np.lexsort((frame.report_id[others], -scores))
    if k is not None:
        order = order[:k]
    rel = ev.relationship_names()
    names = model.feature_names
    out: list[LinkCandidate] = []
    for rank, p in enumerate(order.tolist(), start=1):
        other = int(others[p])
        values = {n: _value(ev, n, p, rel) for n in names}
        contributions = {n: float(contrib[p, f]) for f, n in enumerate(names)}
        reasons = [
            text
            for n in sorted(names, key=lambda n: -abs(contributions[n]))
            if abs(contributions[n]) >= QUIET
            and (text := _reason(n, values[n], contributions[n], frame, row, other, labels))
        ]
        flag = status_flag(str(frame.status[other]), frame.cancellation_code[other])
        flags = (flag,) if flag else ()
        out.append(
            LinkCandidate(
                report_id=int(report_id),
                candidate_id=int(frame.report_id[other]),
                rank=rank,
                score=float(scores[p]),
                contributions=contributions,
                evidence=values,
                reasons=tuple(reasons) + flags,
                flags=flags,
            )
        )
    return out
