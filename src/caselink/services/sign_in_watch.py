"""Failed sign-ins counted by the network address they came from, and an administrator's
release of an address held back.

The per-account lock (services.auth) stops guessing at one name, but not password spraying:
one or two guesses at each of many names never locks any of them. So each address's failed
sign-ins are counted over a window; past a limit, that address's sign-ins are refused without a
password check until its failures age out, or until an administrator releases it (one officer
mistyping behind a station's shared address should not keep the station out). A success does
not clear the count, so an attacker cannot reset it by signing in to an account of their own.

The counts are in the database: every process of a server counts them together, and a restart
keeps them. Only a window's failures are kept, older ones deleted as new ones come; each costs
a password check, so a flood from many addresses is as slow to fill the table as to check.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from caselink.domain.errors import InvalidValue
from caselink.services.context import SIGN_IN_WINDOW, Actor, Context
from caselink.services.users import administrator, log_administration
from caselink.storage.unit_of_work import UnitOfWork

# an IPv6 address with its zone fits (the column's width); a longer one, which only a proxy's
# forwarding header could give, is counted by its first MAX_ADDRESS characters
MAX_ADDRESS = 64


@dataclass(frozen=True, slots=True)
class HeldAddress:
    """An address whose sign-ins are refused unchecked: its failures in the window, the last,
    and when it may try again."""

    address: str
    failures: int
    last_failure: datetime
    until: datetime


def held_back_until(
    failures: Sequence[datetime], limit: int, window: timedelta = SIGN_IN_WINDOW
) -> datetime | None:
    """When an address with these failures in the window (oldest first) may try again, or None
    when it is not held back; a limit of 0 holds nobody back."""
    if limit <= 0 or len(failures) < limit:
        return None
    return failures[-limit] + window


def address_held_until(uow: UnitOfWork, address: str, now: datetime, limit: int) -> datetime | None:
    """When sign-ins from ``address`` may be tried again, or None when they may now."""
    if limit <= 0:
        return None
    failures = uow.sessions.address_failures(address[:MAX_ADDRESS], now - SIGN_IN_WINDOW)
    return held_back_until(failures, limit)


def count_failure(uow: UnitOfWork, address: str, now: datetime, limit: int) -> datetime | None:
    """Count a failed sign-in within the caller's unit of work; when this is the failure that
    holds the address back, until when."""
    if limit <= 0:  # no address is held back: none is counted
        return None
    window_start, address = now - SIGN_IN_WINDOW, address[:MAX_ADDRESS]
    uow.sessions.add_address_failure(address, now, forget_upto=window_start)
    failures = uow.sessions.address_failures(address, window_start)
    return held_back_until(failures, limit) if len(failures) == limit else None


def held_addresses(ctx: Context, by: Actor | str) -> list[HeldAddress]:
    """The addresses held back now, most failures first (for administrators)."""
    administrator(by)
    limit, now = ctx.access.address_failures, ctx.clock()
    if limit <= 0:
        return []
    with ctx.db.reader() as uow:
        failing = uow.sessions.failing_addresses(now - SIGN_IN_WINDOW, limit)
    held = [
        HeldAddress(address, len(failures), failures[-1], until)
        for address, failures in failing.items()
        if (until := held_back_until(failures, limit)) is not None  # each has ``limit`` at least
    ]
    return sorted(held, key=lambda h: (-h.failures, h.address))


def release_address(ctx: Context, address: str, by: Actor | str) -> int:
    """Forget an address's failed sign-ins, so it may sign in again at once; logged. Returns
    how many were forgotten (0, and nothing logged, when it had none)."""
    who = administrator(by)
    address = address.strip()
    if not address or len(address) > MAX_ADDRESS or not address.isprintable():
        raise InvalidValue("address", address[:MAX_ADDRESS], "not a network address")
    with ctx.db.unit_of_work() as uow:
        forgotten = uow.sessions.forget_address(address)
        if not forgotten:
            return 0
        log_administration(
            ctx, uow, who, f"released sign-ins from {address} ({forgotten} failed sign-in(s))"
        )
        uow.commit()
    return forgotten
