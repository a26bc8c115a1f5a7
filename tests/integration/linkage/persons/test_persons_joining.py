"""Small groups join a person named in many reports, unless a record contradicts them."""

import math

import duckdb
import pytest

from caselink.linkage.persons.entities import LINKS_TABLE, attachments, merge_joined
from caselink.linkage.persons.preparation import PREPARED_TABLE

THRESHOLD = 0.95
BITS = math.log2(THRESHOLD / (1 - THRESHOLD))  # about 4.25


def _setup(weight: float, big: int, lone_dob: str | None) -> duckdb.DuckDBPyConnection:
    """A group of ``big`` records (ids 1..big, dob 1980-05-01) and a lone record 100 whose best
    pair into the group scores ``weight`` bits."""
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE {PREPARED_TABLE} (unique_id BIGINT, dob VARCHAR, dob_year INTEGER, "
        "phone_std VARCHAR, identifiers VARCHAR[])"
    )
    for k in range(1, big + 1):
        con.execute(f"INSERT INTO {PREPARED_TABLE} VALUES (?, '1980-05-01', 1980, NULL, NULL)", [k])
    year = int(lone_dob[:4]) if lone_dob else None
    con.execute(f"INSERT INTO {PREPARED_TABLE} VALUES (100, ?, ?, NULL, NULL)", [lone_dob, year])
    con.execute("CREATE TABLE clusters (unique_id BIGINT, cluster_id VARCHAR)")
    for k in range(1, big + 1):
        con.execute("INSERT INTO clusters VALUES (?, 'g')", [k])
    con.execute("INSERT INTO clusters VALUES (100, 'lone')")
    con.execute(
        "CREATE TABLE predictions (unique_id_l BIGINT, unique_id_r BIGINT, match_weight DOUBLE, "
        "match_probability DOUBLE)"
    )
    for k in range(2, big + 1):  # the group's own links, well above the threshold
        con.execute("INSERT INTO predictions VALUES (1, ?, 20, 0.999999)", [k])
    p = 1 / (1 + 2**-weight)
    con.execute("INSERT INTO predictions VALUES (1, 100, ?, ?)", [weight, p])
    return con


def _joined(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        f"SELECT count(*) FROM {LINKS_TABLE} WHERE unique_id_l = 100 OR unique_id_r = 100"
    ).fetchone()
    return bool(found and found[0])


@pytest.mark.parametrize(
    ("weight", "big", "joins"),
    [
        (BITS - 1.5, 4, True),  # 4 records add 2 bits: over the threshold
        (BITS - 2.5, 4, False),  # not enough
        (BITS - 2.5, 8, True),  # 8 records add 3 bits
        (BITS - 1.5, 1, False),  # no bonus for a person named once
    ],
)
def test_a_record_joins_a_person_named_often_enough(weight: float, big: int, joins: bool) -> None:
    con = _setup(weight, big, "1980-05-01")
    assert (len(attachments(con, "predictions", "clusters", THRESHOLD)) == 1) is joins
    assert _joined(con) is joins


def test_a_contradicting_date_of_birth_keeps_them_apart() -> None:
    con = _setup(BITS - 1.0, 8, "1991-11-23")
    assert attachments(con, "predictions", "clusters", THRESHOLD) == []
    assert not _joined(con)


def test_a_day_and_month_swapped_is_no_contradiction() -> None:
    con = _setup(BITS - 1.0, 8, "1980-01-05")
    assert attachments(con, "predictions", "clusters", THRESHOLD) == [(100, 1)]


def test_joined_groups_merge_with_every_group_they_reach() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE clusters (unique_id BIGINT, cluster_id VARCHAR)")
    con.execute(
        "INSERT INTO clusters VALUES (1, 'x'), (2, 'x'), (3, 'y'), (4, 'z'), (5, 'z'), (6, 'w')"
    )
    # y joins x, and z joins y: a chain of joins is one person
    merged = merge_joined(con, "clusters", [(3, 1), (4, 3)])
    rows = dict(con.execute(f"SELECT unique_id, cluster_id FROM {merged}").fetchall())
    assert len({rows[k] for k in (1, 2, 3, 4, 5)}) == 1
    assert rows[6] != rows[1]
