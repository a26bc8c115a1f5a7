"""Home Office offence codes for sexual offences (the classifications used in official
statistics).
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Offence:
    code: str
    description: str
    group: str  # "rape" or "other sexual"


RAPE = "rape"
OTHER_SEXUAL = "other sexual"

OFFENCES: dict[str, Offence] = {
    o.code: o
    for o in (
        Offence("17A", "Sexual assault on a male aged 13 and over", OTHER_SEXUAL),
        Offence("17B", "Sexual assault on a male child under 13", OTHER_SEXUAL),
        Offence("19C", "Rape of a female aged 16 and over", RAPE),
        Offence("19D", "Rape of a female child under 16", RAPE),
        Offence("19E", "Rape of a female child under 13", RAPE),
        Offence("19F", "Rape of a male aged 16 and over", RAPE),
        Offence("19G", "Rape of a male child under 16", RAPE),
        Offence("19H", "Rape of a male child under 13", RAPE),
        Offence("20A", "Sexual assault on a female aged 13 and over", OTHER_SEXUAL),
        Offence("20B", "Sexual assault on a female child under 13", OTHER_SEXUAL),
        Offence("21", "Sexual activity involving a child under 13", OTHER_SEXUAL),
        Offence("22A", "Causing sexual activity without consent", OTHER_SEXUAL),
        Offence("22B", "Sexual activity involving child under 16", OTHER_SEXUAL),
        Offence("23", "Incest or familial sexual offences", OTHER_SEXUAL),
        Offence("70", "Sexual activity etc with a person with a mental disorder", OTHER_SEXUAL),
        Offence("71", "Abuse of children through sexual exploitation", OTHER_SEXUAL),
        Offence("72", "Trafficking for sexual exploitation", OTHER_SEXUAL),
        Offence("73", "Abuse of position of trust of a sexual nature", OTHER_SEXUAL),
        Offence("88A", "Sexual grooming", OTHER_SEXUAL),
        Offence("88C", "Other miscellaneous sexual offences", OTHER_SEXUAL),
        Offence("88D", "Unnatural sexual offences", OTHER_SEXUAL),
        Offence("88E", "Exposure and voyeurism", OTHER_SEXUAL),
    )
}

RAPE_CODES: frozenset[str] = frozenset(c for c, o in OFFENCES.items() if o.group == RAPE)

# Forces record other notifiable offences too; their codes share this shape (e.g. "8L", "105A").
_CODE_SHAPE = re.compile(r"^[0-9]{1,3}[A-Z]{0,2}$")


def normalise_offence_code(code: str) -> str | None:
    """The code in canonical form (upper case, no spaces), or None if it is not code-shaped."""
    cleaned = code.strip().upper().replace(" ", "")
    return cleaned if _CODE_SHAPE.match(cleaned) else None


def is_rape(code: str | None) -> bool:
    return code in RAPE_CODES


def offence_group(code: str | None) -> str | None:
    """'rape', 'other sexual', or None for a code outside the sexual-offence classifications."""
    if code is None:
        return None
    offence = OFFENCES.get(code)
    return offence.group if offence else None
