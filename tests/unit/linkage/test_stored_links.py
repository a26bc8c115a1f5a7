"""What a linkage run stores of each kept pair, made a column at a time, is exactly what the
plain pair-by-pair reading of it gives: each report's links ranked best first, and each pair's
strongest contributions as compact JSON."""

import math

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from caselink.services.linkage import QUIET, STORED_COMPONENTS, _ranked_links, _strongest

CONTRIBUTION = st.one_of(
    st.none(),
    st.sampled_from([0.0, -0.0, QUIET, -QUIET, 0.0499, 1.25, -1.25, 2.0]),
    st.floats(-40, 40, allow_nan=False),
)


def _plain_strongest(rows: list[list[float | None]], names: list[str]) -> list[str]:
    out = []
    for row in rows:
        values = [0.0 if v is None else float(np.round(v, 3)) for v in row]
        order = sorted(range(len(names)), key=lambda f: -abs(values[f]))[:STORED_COMPONENTS]
        kept = [f for f in order if abs(values[f]) >= QUIET]
        out.append("{" + ",".join(f'"{names[f]}":{values[f]}' for f in kept) + "}")
    return out


@given(
    st.integers(1, 9).flatmap(
        lambda width: st.lists(st.lists(CONTRIBUTION, min_size=width, max_size=width), max_size=40)
    )
)
def test_each_pairs_components_are_its_strongest_loud_ones_in_order(
    rows: list[list[float | None]],
) -> None:
    width = len(rows[0]) if rows else 3
    names = [f"f{i}" for i in range(width)]
    table = pa.table(
        {
            f"contribution_{n}": pa.array([r[i] for r in rows], pa.float64())
            for i, n in enumerate(names)
        }
        | {"score": pa.array([0.5] * len(rows), pa.float64())}
    )
    got = _strongest(table)
    assert len(got) == len(rows)
    # ties in strength may be broken either way; what is kept and each value's text may not
    for text, plain in zip(got, _plain_strongest(rows, names), strict=True):
        assert sorted(text.strip("{}").split(",")) == sorted(plain.strip("{}").split(","))
        strengths = [abs(float(p.split(":")[1])) for p in text.strip("{}").split(",") if p]
        assert strengths == sorted(strengths, reverse=True)
        assert all(s >= QUIET and not math.isnan(s) for s in strengths)


@given(
    st.lists(
        st.tuples(st.integers(1, 8), st.integers(1, 8), st.sampled_from([0.1, 0.5, 0.9])),
        max_size=40,
    ),
    st.integers(1, 4),
)
def test_each_reports_links_are_ranked_best_first_up_to_top(
    pairs: list[tuple[int, int, float]], top: int
) -> None:
    table = pa.table({
        "report_id_a": pa.array([p[0] for p in pairs], pa.int64()),
        "report_id_b": pa.array([p[1] for p in pairs], pa.int64()),
        "score": pa.array([p[2] for p in pairs], pa.float64()),
    })  # fmt: skip
    components = [f"c{i}" for i in range(len(pairs))]
    got = list(_ranked_links(table, components, top))
    both = [(a, b, s, i) for i, (a, b, s) in enumerate(pairs)]
    both += [(b, a, s, i) for i, (a, b, s) in enumerate(pairs)]
    expected = []
    for anchor in sorted({link[0] for link in both}):
        mine = sorted((link for link in both if link[0] == anchor), key=lambda k: (-k[2], k[1]))
        expected += [
            (anchor, other, rank, score, components[i])
            for rank, (_, other, score, i) in enumerate(mine, 1)
        ][:top]
    assert got == expected
    assert all(isinstance(g[0], int) and isinstance(g[3], float) for g in got)
