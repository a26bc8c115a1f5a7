"""Which force owns a report, where a user belongs, and what that lets them do (DOMAIN.md §9).

Each force owns its reports: only its own officers and registrars record, classify, cancel,
authorise and inform on them. Reading crosses forces (linkage is the point of reading
nationally), but a report of another force is seen in full only when policy grants it (a
national analyst), pseudonymised (an inspector), or when the owning force has granted the
reader access for a stated reason; otherwise it is a summary with nothing that identifies a
person. A user belongs either to a force or to a national unit, never both.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from caselink.domain.errors import InvalidValue
from caselink.domain.forces import canonical_force
from caselink.domain.roles import Role

# A national unit's name: short, letters first (SCAS, NCA, HMICFRS, "national-data").
_UNIT = re.compile(r"^[A-Za-z][A-Za-z0-9 _.-]{1,47}$")


@dataclass(frozen=True, slots=True)
class Home:
    """Where a user belongs: a force (by its canonical name) or a national unit."""

    force: str | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
        if (self.force is None) == (self.unit is None):
            raise InvalidValue("home", f"{self.force}/{self.unit}", "a force or a unit, not both")

    @property
    def national(self) -> bool:
        return self.unit is not None

    def __str__(self) -> str:
        return self.force if self.force is not None else f"national: {self.unit}"


# Every user of a store made before forces existed, and any user the code builds without a
# stored home: the migration's documented default (storage migration 0007).
NATIONAL = Home(unit="national")


def home_of(force: str | None, unit: str | None) -> Home:
    """A user's home from what an administrator typed: a force's name (any spelling caselink
    knows) or a national unit's name."""
    if force is not None and unit is not None:
        raise InvalidValue("home", f"{force} / {unit}", "give a force or a national unit, not both")
    if force is not None:
        canonical = canonical_force(force)
        if canonical is None:
            raise InvalidValue("force", force, "not one of the police forces caselink knows")
        return Home(force=canonical)
    if unit is None:
        raise InvalidValue("home", "", "give a force (--force) or a national unit (--national)")
    unit = unit.strip()
    if not _UNIT.match(unit):
        raise InvalidValue("national", unit, "2 to 48 letters, digits, spaces, '.', '_' or '-'")
    return Home(unit=unit)


def acts_on(home: Home, force: str) -> bool:
    """Whether a user of ``home`` may change ``force``'s reports.

    A national user may: national officers and registrars are how a central team loads and
    corrects records for many forces (and every user of a store made before forces existed is
    national until an administrator says otherwise). Everyone else acts on their own force.
    """
    return home.national or home.force == force


class Reading(StrEnum):
    """How much of a report a user sees."""

    FULL = "full"
    PSEUDONYMISED = "pseudonymised"  # persons reduced to pseudonyms: the inspectorate's view
    SUMMARY = "summary"  # force, reference, offence, dates, status; nothing naming a person


def reading_of(role: Role, home: Home, force: str, granted: bool) -> Reading:
    """How much of ``force``'s report a user may read, before the role's own limits.

    Own force: in full. National analysts: in full, by policy (their reads are logged where
    the owning force sees them). Inspectors see every force pseudonymised, as they always did.
    Anyone else: a summary, unless the owning force granted them access to this report.
    """
    if role is Role.INSPECTOR:
        return Reading.PSEUDONYMISED
    if home.force == force or granted:
        return Reading.FULL
    if home.national and role in (Role.ANALYST, Role.OFFICER, Role.REGISTRAR):
        return Reading.FULL
    return Reading.SUMMARY


def manages(home: Home, other: Home) -> bool:
    """Whether an administrator of ``home`` manages users of ``other``: a national administrator
    manages everyone, a force's administrator that force's users."""
    return home.national or (home.force is not None and home.force == other.force)
