"""Series: groups of reports linked strongly enough to be one offender's, and the alert that
tells whether a new report joins one.

Algorithm (agglomerative, on scored pairs): take the pairs scoring at least ``threshold``,
strongest first. Each pair whose two reports are in different groups proposes to merge the
groups; the merge happens only if the *average* score over every pair of members across the
two groups is at least ``min_average`` — pairs that were not scored (outside the candidate
window, or pruned from a top list) count as ``absent_score``. So one strong-enough link between
two otherwise unrelated series does not chain them: the many weak or absent cross pairs pull
the average down. Groups of one are not series.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from caselink.linkage.offences.frame import ReportFrame, as_frame
from caselink.linkage.offences.jit import compiled

Ints = NDArray[np.int64]

DEFAULT_ABSENT_SCORE = -5.0  # a far or unranked pair: firm evidence against, not a veto


@dataclass(frozen=True, slots=True)
class SeriesMatch:
    """A series a report would join: its id, size, how many members the report links to above
    the threshold, and the best and average scores with the members."""

    series_id: int
    size: int
    linked_members: int
    max_score: float
    mean_score: float


def _pair_scores(
    a: Ints, b: Ints, s: NDArray[np.float64], ids: Ints
) -> tuple[Ints, NDArray[np.float64]]:
    # the scored pairs as sorted keys min * n + max over indexes into ids, with their scores
    ia, ib = np.searchsorted(ids, a), np.searchsorted(ids, b)
    key = np.minimum(ia, ib) * ids.shape[0] + np.maximum(ia, ib)
    order = np.argsort(key, kind="stable")
    return key[order], s[order]


@compiled
def _cross_mean(
    x0: int, y0: int, nxt: Ints, n: int, key: Ints, score: NDArray[np.float64], absent: float
) -> float:
    # the mean score over every pair of a member of the group listed from x0 and one of the
    # group listed from y0 (nxt chains each group's members), unscored pairs counting absent
    total, count = 0.0, 0
    x = x0
    while x >= 0:
        y = y0
        while y >= 0:
            k = min(x, y) * n + max(x, y)
            p = np.searchsorted(key, k)
            total += score[p] if p < key.shape[0] and key[p] == k else absent
            count += 1
            y = nxt[y]
        x = nxt[x]
    return total / count


@compiled
def _agglomerate(
    ea: Ints,
    eb: Ints,
    order: Ints,
    key: Ints,
    score: NDArray[np.float64],
    absent: float,
    avg_needed: float,
    owner: Ints,
    nxt: Ints,
    head: Ints,
    tail: Ints,
    size: Ints,
) -> None:
    # the merges of form_series over reports 0..n-1, each its own group to begin with (owner,
    # head and tail: arange; nxt: -1; size: 1): owner ends as each report's group, and nxt
    # chains each group's members from head to tail
    n = owner.shape[0]
    for e in order:
        ga, gb = owner[ea[e]], owner[eb[e]]
        if ga == gb:
            continue
        pairs = size[ga] * size[gb]
        if pairs > 1 and _cross_mean(head[ga], head[gb], nxt, n, key, score, absent) < avg_needed:
            continue
        keep, drop = (ga, gb) if size[ga] >= size[gb] else (gb, ga)
        y = head[drop]
        while y >= 0:
            owner[y] = keep
            y = nxt[y]
        nxt[tail[keep]] = head[drop]
        tail[keep] = tail[drop]
        size[keep] += size[drop]


def _columns(scored: pa.Table) -> tuple[Ints, Ints, NDArray[np.float64]]:
    for name in ("report_id_a", "report_id_b", "score"):
        if name not in scored.column_names:
            raise ValueError(f"scored pairs need a {name} column")
    a = np.asarray(scored.column("report_id_a").to_numpy(zero_copy_only=False), dtype=np.int64)
    b = np.asarray(scored.column("report_id_b").to_numpy(zero_copy_only=False), dtype=np.int64)
    s = np.asarray(scored.column("score").to_numpy(zero_copy_only=False), dtype=np.float64)
    return a, b, s


def form_series(
    scored: pa.Table,
    threshold: float,
    *,
    min_average: float | None = None,
    absent_score: float = DEFAULT_ABSENT_SCORE,
) -> pa.Table:
    """Series from scored pairs (report_id_a, report_id_b, score), see the module doc.

    ``min_average`` defaults to the threshold itself. Returns (report_id, series_id) for every
    report in a series of two or more, series numbered from 1 by size (largest first), then
    by smallest member id; a table with no rows when nothing links.
    """
    a, b, s = _columns(scored)
    avg_needed = threshold if min_average is None else min_average
    strong = s >= threshold
    ids = np.unique(np.concatenate([a[strong], b[strong]]))
    if ids.shape[0] == 0:
        return pa.table(
            {"report_id": pa.array([], pa.int64()), "series_id": pa.array([], pa.int64())}
        )
    inside = np.isin(a, ids) & np.isin(b, ids)
    key, score = _pair_scores(a[inside], b[inside], s[inside], ids)
    ea, eb = np.searchsorted(ids, a[strong]), np.searchsorted(ids, b[strong])
    order = np.lexsort((eb, ea, -s[strong])).astype(np.int64)
    n = ids.shape[0]
    owner = np.arange(n, dtype=np.int64)
    nxt = np.full(n, -1, np.int64)
    # compiled: a national run proposes a hundred thousand merges, each averaging its cross pairs
    _agglomerate(
        ea,
        eb,
        order,
        key,
        score,
        absent_score,
        avg_needed,
        owner,
        nxt,
        np.arange(n, dtype=np.int64),
        np.arange(n, dtype=np.int64),
        np.ones(n, np.int64),
    )
    _, group_of, sizes = np.unique(owner, return_inverse=True, return_counts=True)
    in_series = sizes[group_of] > 1
    by_group = np.lexsort((ids[in_series], group_of[in_series]))
    members = ids[in_series][by_group]
    bounds = np.flatnonzero(np.diff(group_of[in_series][by_group])) + 1
    groups = sorted(
        (g.tolist() for g in np.split(members, bounds) if g.shape[0]),
        key=lambda g: (-len(g), g[0]),
    )
    rid = [r for g in groups for r in g]
    sid = [k for k, g in enumerate(groups, start=1) for _ in g]
    return pa.table(
        {"report_id": pa.array(rid, pa.int64()), "series_id": pa.array(sid, pa.int64())}
    )


def summarise_series(series: pa.Table, reports: "pa.Table | ReportFrame") -> pa.Table:
    """One row per series: series_id, size, members (report ids), first and last offence
    (or first contact when unknown) as timestamps, span_days, forces, and how many members are
    cancelled, transferred or N100 — written-off reports stay in their series, counted."""
    frame = as_frame(reports)
    sid = np.asarray(series.column("series_id").to_numpy(zero_copy_only=False), dtype=np.int64)
    rows = frame.rows_of(np.asarray(series.column("report_id").to_numpy(zero_copy_only=False)))
    out: dict[str, list[object]] = {
        k: []
        for k in (
            "series_id",
            "size",
            "members",
            "first_at",
            "last_at",
            "span_days",
            "forces",
            "n_cancelled",
            "n_transferred",
            "n_n100",
        )
    }
    for s in np.unique(sid).tolist():
        r = rows[sid == s]
        first, last = float(frame.cand_lo[r].min()), float(frame.cand_hi[r].max())
        status = frame.status[r]
        out["series_id"].append(s)
        out["size"].append(int(r.shape[0]))
        out["members"].append(sorted(frame.report_id[r].tolist()))
        out["first_at"].append(round(first * 86_400_000_000))
        out["last_at"].append(round(last * 86_400_000_000))
        out["span_days"].append(last - first)
        out["forces"].append(sorted(set(frame.force[r].tolist())))
        out["n_cancelled"].append(int((status == "cancelled").sum()))
        out["n_transferred"].append(int((status == "transferred").sum()))
        out["n_n100"].append(int((status == "n100").sum()))
    ts = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "series_id": pa.array(out["series_id"], pa.int64()),
            "size": pa.array(out["size"], pa.int64()),
            "members": pa.array(out["members"], pa.list_(pa.int64())),
            "first_at": pa.array(out["first_at"], pa.int64()).cast(ts),
            "last_at": pa.array(out["last_at"], pa.int64()).cast(ts),
            "span_days": pa.array(out["span_days"], pa.float64()),
            "forces": pa.array(out["forces"], pa.list_(pa.string())),
            "n_cancelled": pa.array(out["n_cancelled"], pa.int64()),
            "n_transferred": pa.array(out["n_transferred"], pa.int64()),
            "n_n100": pa.array(out["n_n100"], pa.int64()),
        }
    )


def series_for(
    report_id: int,
    scored: pa.Table,
    series: pa.Table,
    threshold: float,
    *,
    min_average: float | None = None,
    absent_score: float = DEFAULT_ABSENT_SCORE,
) -> list[SeriesMatch]:
    """The existing series a report joins (the alert), best first.

    ``scored`` holds the report's scored pairs (any table with report_id_a, report_id_b, score;
    e.g. from ``score`` or built from ``top_links``); ``series`` is a ``form_series`` result.
    The report joins a series when it links to some member at ``threshold`` or more and its
    average score over all members (unscored members counting as ``absent_score``) reaches
    ``min_average`` (default the threshold) — the same rule that formed the series. A
    series the report already belongs to is not reported.
    """
    a, b, s = _columns(scored)
    mine = (a == report_id) | (b == report_id)
    other = np.where(a[mine] == report_id, b[mine], a[mine])
    mine_scores: Mapping[int, float] = dict(zip(other.tolist(), s[mine].tolist(), strict=True))
    avg_needed = threshold if min_average is None else min_average
    rid = np.asarray(series.column("report_id").to_numpy(zero_copy_only=False), dtype=np.int64)
    sid = np.asarray(series.column("series_id").to_numpy(zero_copy_only=False), dtype=np.int64)
    out: list[SeriesMatch] = []
    for s_id in np.unique(sid).tolist():
        members = rid[sid == s_id]
        if report_id in members:
            continue
        vals = np.asarray([mine_scores.get(int(m), absent_score) for m in members])
        best = float(vals.max())
        if best >= threshold and float(vals.mean()) >= avg_needed:
            out.append(
                SeriesMatch(
                    s_id,
                    int(members.shape[0]),
                    int((vals >= threshold).sum()),
                    best,
                    float(vals.mean()),
                )
            )
    return sorted(out, key=lambda m: (-m.max_score, m.series_id))
