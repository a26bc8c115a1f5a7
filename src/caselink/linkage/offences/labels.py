"""Solved reports and analyst verdicts: which pairs are linked, and groups that must not split.

Labels are a table (offender_id string, report_id int64): one row per offender of a solved
report (a report with co-offenders has several rows). Two labelled reports are *linked* when
they share an offender. Offenders who share a report form one *offender group* (connected
components of the offender–report graph); cross-validation splits groups, never offenders.

Feedback is a table (report_id_a, report_id_b, and either ``linked`` boolean or ``verdict``
"confirmed"/"rejected"): analysts' judgements of proposed links, which join the training pairs
and override what the labels say about the same pair.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from caselink.linkage.offences.frame import ReportFrame

Ints = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Labelled:
    """Labels resolved against a frame: for each labelled row, its offender group, and the keys
    (i * n + j, i < j) of every linked pair of rows."""

    rows: Ints  # sorted distinct frame rows that carry a label
    group: Ints  # offender group of each of ``rows``
    linked_keys: Ints  # sorted
    n_offenders: int
    row_group: Ints  # offender group of every frame row (-1: no label)

    def linked(self, i: Ints, j: Ints) -> NDArray[np.bool_]:
        """Whether each pair of frame rows shares an offender. Only pairs within one offender
        group can, so only those are looked up among the linked keys: a national training set
        has a hundred million pairs and a few thousand groups."""
        g = self.row_group
        out = np.zeros(i.shape[0], dtype=bool)
        same = np.flatnonzero((g[i] == g[j]) & (g[i] >= 0))
        keys = _keys(g.shape[0], i[same], j[same])
        out[same] = is_linked(keys, self.linked_keys)
        return out


def resolve_labels(frame: ReportFrame, labels: pa.Table) -> Labelled:
    """Check the labels against the frame and find groups and linked pairs.

    Raises ValueError naming any report id the reports table does not hold (a silent drop
    would shrink the evaluation without anyone knowing) and when a column is missing.
    """
    for name in ("offender_id", "report_id"):
        if name not in labels.column_names:
            raise ValueError(f"labels need an {name} column")
    if labels.column("report_id").null_count or labels.column("offender_id").null_count:
        raise ValueError("labels must not have empty offender or report ids")
    ids = np.asarray(labels.column("report_id").cast(pa.int64()).to_numpy(zero_copy_only=False))
    rows = frame.rows_of(ids)
    offenders = labels.column("offender_id").cast(pa.string()).to_pylist()
    off_index: dict[str, int] = {}
    off = np.fromiter(
        (off_index.setdefault(o, len(off_index)) for o in offenders), np.int64, len(offenders)
    )
    # offender groups: the components of the graph joining each offender to its reports,
    # each named by its first offender
    n_off = len(off_index)
    distinct, row_node = np.unique(rows, return_inverse=True)
    edges = sparse.coo_matrix(
        (np.ones(off.shape[0]), (off, n_off + row_node)),
        shape=(n_off + distinct.shape[0],) * 2,
    )
    _, component = connected_components(edges, directed=False)
    first = np.full(n_off + distinct.shape[0], n_off, np.int64)
    np.minimum.at(first, component[:n_off], np.arange(n_off))
    group = first[component[n_off:]]
    linked = _shared_offender_keys(off, rows, frame.n)
    row_group = np.full(frame.n, -1, dtype=np.int64)
    row_group[distinct] = group
    return Labelled(distinct, group, linked, len(off_index), row_group)


def _shared_offender_keys(off: Ints, rows: Ints, n: int) -> Ints:
    # the sorted keys of every pair of distinct rows with an offender in common: each
    # offender's rows, in order, paired with each row after them
    pairs = np.unique(off * n + rows)
    off, rows = pairs // n, pairs % n
    starts = np.flatnonzero(np.r_[True, off[1:] != off[:-1]])
    size = np.diff(np.r_[starts, off.shape[0]])
    after = np.repeat(starts + size, size) - np.arange(off.shape[0]) - 1
    left = np.repeat(np.arange(off.shape[0]), after)
    right = left + 1 + np.arange(left.shape[0]) - np.repeat(np.cumsum(after) - after, after)
    return np.unique(rows[left] * n + rows[right])


def pair_keys(frame: ReportFrame, i: Ints, j: Ints) -> Ints:
    """Keys i * n + j of pairs with the smaller row first."""
    return _keys(frame.n, i, j)


def _keys(n: int, i: Ints, j: Ints) -> Ints:
    return np.minimum(i, j) * n + np.maximum(i, j)


def is_linked(keys: Ints, linked_keys: Ints) -> NDArray[np.bool_]:
    """Whether each pair key is among the (sorted) linked keys."""
    if linked_keys.shape[0] == 0:
        return np.zeros(keys.shape[0], dtype=bool)
    pos = np.clip(np.searchsorted(linked_keys, keys), 0, linked_keys.shape[0] - 1)
    return np.asarray(linked_keys[pos] == keys)


def resolve_feedback(
    frame: ReportFrame, feedback: pa.Table
) -> tuple[Ints, Ints, NDArray[np.bool_]]:
    """Rows (i < j) and verdicts of analyst feedback; unknown report ids raise ValueError."""
    for name in ("report_id_a", "report_id_b"):
        if name not in feedback.column_names:
            raise ValueError(f"feedback needs a {name} column")
    a = frame.rows_of(np.asarray(feedback.column("report_id_a").to_numpy(zero_copy_only=False)))
    b = frame.rows_of(np.asarray(feedback.column("report_id_b").to_numpy(zero_copy_only=False)))
    if "linked" in feedback.column_names:
        verdict = np.asarray(feedback.column("linked").to_numpy(zero_copy_only=False), dtype=bool)
    elif "verdict" in feedback.column_names:
        words = [str(v).strip().lower() for v in feedback.column("verdict").to_pylist()]
        bad = sorted(set(words) - {"confirmed", "rejected"})
        if bad:
            raise ValueError(f"feedback verdicts must be confirmed or rejected, not {bad}")
        verdict = np.asarray([w == "confirmed" for w in words], dtype=bool)
    else:
        raise ValueError("feedback needs a linked (boolean) or verdict column")
    if (a == b).any():
        raise ValueError("feedback pairs a report with itself")
    return np.minimum(a, b), np.maximum(a, b), verdict
