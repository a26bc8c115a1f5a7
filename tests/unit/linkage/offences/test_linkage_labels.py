"""Which labelled pairs are linked: reports sharing an offender, not merely a group."""

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.linkage.offences import ReportFrame
from caselink.linkage.offences.frame import reports_table
from caselink.linkage.offences.labels import resolve_labels


def test_a_pair_is_linked_by_a_shared_offender_not_by_a_shared_group() -> None:
    at = datetime(2024, 1, 8, tzinfo=UTC)
    rows = [{"report_id": r, "force": "Kent", "reported_at": at} for r in range(1, 7)]
    frame = ReportFrame.from_arrow(reports_table(rows))
    # A and B co-offend on report 1, so A's report 2 and B's report 3 are in one group but
    # share no offender; C alone offends on 4 and 5; report 6 is unsolved
    labels = pa.table(
        {
            "offender_id": ["A", "B", "A", "B", "C", "C"],
            "report_id": pa.array([1, 1, 2, 3, 4, 5], pa.int64()),
        }
    )
    labelled = resolve_labels(frame, labels)
    row = {int(r): k for k, r in enumerate(frame.report_id)}
    pairs = [(1, 2), (1, 3), (2, 3), (4, 5), (5, 4), (2, 4), (5, 6), (6, 1)]
    i = np.array([row[a] for a, _ in pairs], np.int64)
    j = np.array([row[b] for _, b in pairs], np.int64)
    got = labelled.linked(i, j).tolist()
    assert got == [True, True, False, True, True, False, False, False]
    assert labelled.row_group[row[2]] == labelled.row_group[row[3]]
    assert labelled.row_group[row[6]] == -1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(1, 12)), min_size=0, max_size=30))
def test_links_and_groups_match_their_definitions(labels: list[tuple[int, int]]) -> None:
    # every label is (offender, report): linked pairs share an offender; groups are the
    # offenders joined through shared reports, named by the first offender listed
    at = datetime(2024, 1, 8, tzinfo=UTC)
    frame = ReportFrame.from_arrow(
        reports_table([{"report_id": r, "force": "Kent", "reported_at": at} for r in range(1, 13)])
    )
    table = pa.table(
        {
            "offender_id": [f"o{o}" for o, _ in labels],
            "report_id": pa.array([r for _, r in labels], pa.int64()),
        }
    )
    got = resolve_labels(frame, table)
    row = {int(r): k for k, r in enumerate(frame.report_id)}
    reports_of: dict[int, set[int]] = {}
    for o, r in labels:
        reports_of.setdefault(o, set()).add(row[r])
    expected = sorted(
        {
            min(a, b) * frame.n + max(a, b)
            for rs in reports_of.values()
            for a in rs
            for b in rs
            if a != b
        }
    )
    assert got.linked_keys.tolist() == expected
    # groups by brute force: merge offenders sharing a report until nothing changes
    first_seen = list(dict.fromkeys(o for o, _ in labels))
    group = {o: o for o in first_seen}
    changed = True
    while changed:
        changed = False
        for a in first_seen:
            for b in first_seen:
                if reports_of[a] & reports_of[b] and group[a] != group[b]:
                    low = min(group[a], group[b], key=first_seen.index)
                    for o in first_seen:
                        if group[o] in (group[a], group[b]):
                            group[o] = low
                    changed = True
    for o, r in labels:
        assert got.row_group[row[r]] == first_seen.index(group[o])
    assert got.n_offenders == len(first_seen)
    assert got.rows.tolist() == sorted({row[r] for _, r in labels})
