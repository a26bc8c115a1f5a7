"""Failed sign-ins counted by the network address they came from.

The per-account lock (services.auth) stops guessing at one name, but not password spraying:
one or two guesses at each of many names never locks any of them. So a server process also
counts each address's failed sign-ins over a window; past a limit, that address's sign-ins are
refused without a password check until its failures age out. A success does not clear the
count, so an attacker cannot reset it by signing in to an account of their own.

The counts are the process's own, in memory (as the password-checking turns are): a server
with several processes allows each the limit, and a restart forgets them. At most
``MAX_ADDRESSES`` addresses are kept, those that failed longest ago dropped first, so a flood
from many addresses cannot take the server's memory.
"""

import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

MAX_ADDRESSES = 100_000


class AddressWatch:
    """Each address's failed sign-ins within ``window``; thread-safe."""

    def __init__(self, window: timedelta, max_addresses: int = MAX_ADDRESSES) -> None:
        self.window, self._max = window, max_addresses
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def held_back_until(self, address: str, now: datetime, limit: int) -> datetime | None:
        """When an address held back (``limit`` failures within the window) may try again, or
        None when it is not held back; a limit of 0 holds nobody back."""
        with self._lock:
            failures = self._recent(address, now)
            if limit <= 0 or failures is None or len(failures) < limit:
                return None
            return failures[-limit] + self.window

    def failed(self, address: str, now: datetime, limit: int) -> bool:
        """Count a failed sign-in; whether it is the one that holds the address back."""
        with self._lock:
            failures = self._recent(address, now)
            if failures is None:
                failures = self._failures[address] = deque(maxlen=max(limit, 1))
                if len(self._failures) > self._max:
                    self._failures.popitem(last=False)
            else:
                self._failures.move_to_end(address)
            crossing = limit > 0 and len(failures) == limit - 1
            failures.append(now)
            return crossing

    def _recent(self, address: str, now: datetime) -> deque[datetime] | None:
        # the address's failures within the window; an address with none left is forgotten
        failures = self._failures.get(address)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures
