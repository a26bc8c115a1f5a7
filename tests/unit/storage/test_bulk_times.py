"""Times as bulk writes store them in SQLite: SQLAlchemy's naive-UTC text, microseconds and
all, whatever zone a time comes in."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from caselink.storage.bulk import _sqlite_time, sqlite_time_value

ZONES = (
    st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))])
    | st.timezones()
)


# years away from datetime's ends, where moving to UTC would overflow
@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=ZONES)
)
def test_an_aware_time_is_stored_as_its_naive_utc_text(when: datetime) -> None:
    stored = _sqlite_time(when)
    assert stored == when.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    assert stored is not None
    assert len(stored) == 26
    # read back as the same moment, in UTC; compared in UTC, since an ambiguous local time
    # (a clock put back, fold=1) never equals a time in another zone (PEP 495)
    assert sqlite_time_value(stored) == when.astimezone(UTC)
    assert sqlite_time_value(stored).tzinfo is UTC


def test_a_missing_time_stays_missing() -> None:
    assert _sqlite_time(None) is None
