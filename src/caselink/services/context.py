"""What every service needs: the database, the taxonomy, the force policy and a clock."""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from caselink.domain.behaviours import Taxonomy
from caselink.domain.errors import NotPermitted
from caselink.domain.ownership import NATIONAL, Home
from caselink.domain.roles import Action, Role, may
from caselink.domain.rules.policy import ForcePolicy
from caselink.storage.unit_of_work import Database

# How long failed sign-ins count: an account's lock lasts as long (services.auth.LOCKOUT), and
# an address's failures age out after it.
SIGN_IN_WINDOW = timedelta(minutes=15)


def utc_now() -> datetime:
    return datetime.now(UTC)


def half_the_cores() -> int:
    """Passwords checked at once by default: half the machine, so readers keep the rest."""
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """How sign-in and API tokens behave (CASELINK_TOKEN_DAYS, CASELINK_PASSWORD_CHECKS,
    CASELINK_ADDRESS_FAILURES)."""

    token_lifetime: timedelta = timedelta(days=90)
    password_checks: int = field(default_factory=half_the_cores)
    # failed sign-ins from one network address within the lockout before its sign-ins are
    # refused unchecked (services.sign_in_watch); 0 turns that off
    address_failures: int = 30


@dataclass(frozen=True, slots=True)
class HistoryAnchor:
    """Where the history's signed checkpoints live, outside the database
    (CASELINK_CHECKPOINT_KEY_FILE, CASELINK_CHECKPOINT_FILE)."""

    key_file: Path
    checkpoint_file: Path


@dataclass(frozen=True, slots=True)
class Context:
    db: Database
    taxonomy: Taxonomy
    policy: ForcePolicy
    clock: Callable[[], datetime] = field(default=utc_now)
    access: AccessPolicy = field(default_factory=AccessPolicy)
    anchor: HistoryAnchor | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """A known user acting through caselink: every event and access entry names them."""

    name: str
    role: Role
    # Where the user belongs; national unless stored otherwise (domain.ownership).
    home: Home = NATIONAL

    def may(self, action: Action) -> bool:
        return may(self.role, action)

    def require(self, action: Action) -> None:
        if not may(self.role, action):
            raise NotPermitted(
                f"{self.name} ({self.role.value}) may not {action.value.replace('_', ' ')}"
            )
