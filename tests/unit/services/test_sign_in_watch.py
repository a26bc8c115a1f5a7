"""Failed sign-ins by network address: an address is held back once the window holds its
limit of failures, until the oldest of those ages out; a limit of nought holds no one back."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from caselink.services.sign_in_watch import held_back_until

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def test_the_limits_failure_holds_the_address_back_until_the_first_ages_out() -> None:
    failures = [T0 + timedelta(minutes=i) for i in range(3)]
    assert held_back_until(failures[:2], 3, WINDOW) is None
    assert held_back_until(failures, 3, WINDOW) == T0 + WINDOW
    # past the limit, it is the limit's last failures that count
    more = [*failures, T0 + timedelta(minutes=9)]
    assert held_back_until(more, 3, WINDOW) == T0 + timedelta(minutes=1) + WINDOW


def test_a_limit_of_nought_holds_no_one_back() -> None:
    assert held_back_until([T0] * 100, 0, WINDOW) is None


@given(st.lists(st.integers(min_value=0, max_value=40 * 60), max_size=60), st.integers(1, 6))
def test_held_back_exactly_when_the_window_holds_the_limit(offsets: list[int], limit: int) -> None:
    times = [T0 + timedelta(seconds=s) for s in sorted(offsets)]
    now = (times[-1] if times else T0) + timedelta(seconds=1)
    within = [t for t in times if t > now - WINDOW]  # what the store gives: the window's
    until = held_back_until(within, limit, WINDOW)
    assert (until is not None) == (len(within) >= limit)
    if until is not None:
        assert now < until <= now + WINDOW
