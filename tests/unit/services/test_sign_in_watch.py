"""Failed sign-ins by network address: an address is held back at its limit, until its
failures age out; other addresses are not; the memory it keeps is bounded."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from caselink.services.sign_in_watch import AddressWatch

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def test_the_limits_failure_holds_the_address_back_until_the_first_ages_out() -> None:
    watch = AddressWatch(WINDOW)
    crossed = [watch.failed("203.0.113.7", T0 + timedelta(minutes=i), 3) for i in range(3)]
    assert crossed == [False, False, True]
    assert watch.held_back_until("203.0.113.7", T0 + timedelta(minutes=3), 3) == T0 + WINDOW
    assert watch.held_back_until("198.51.100.2", T0 + timedelta(minutes=3), 3) is None
    assert watch.held_back_until("203.0.113.7", T0 + WINDOW, 3) is None  # the first aged out


def test_a_limit_of_nought_holds_no_one_back() -> None:
    watch = AddressWatch(WINDOW)
    assert not any(watch.failed("203.0.113.7", T0, 0) for _ in range(100))
    assert watch.held_back_until("203.0.113.7", T0, 0) is None


def test_the_addresses_that_failed_longest_ago_are_dropped_first() -> None:
    watch = AddressWatch(WINDOW, max_addresses=2)
    for address in ("a", "b", "a", "c"):  # "a" failed again after "b"
        watch.failed(address, T0, 2)
    assert watch.held_back_until("a", T0, 2) is not None
    assert watch.failed("b", T0, 2) is False  # "b" was dropped: this is its first again


@given(st.lists(st.integers(min_value=0, max_value=40 * 60), max_size=60), st.integers(1, 6))
def test_held_back_exactly_when_the_window_holds_the_limit(offsets: list[int], limit: int) -> None:
    watch = AddressWatch(WINDOW)
    times = [T0 + timedelta(seconds=s) for s in sorted(offsets)]
    for at in times:
        watch.failed("x", at, limit)
    now = (times[-1] if times else T0) + timedelta(seconds=1)
    within = [t for t in times if t > now - WINDOW]
    assert (watch.held_back_until("x", now, limit) is not None) == (len(within) >= limit)
