"""Which labelled pairs are linked: reports sharing an offender, not merely a group."""

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from caselink.linkage import ReportFrame
from caselink.linkage.frame import reports_table
from caselink.linkage.labels import resolve_labels


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
