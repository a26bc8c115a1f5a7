"""The Home Office outcome types that close a crime record (Crime Outcomes framework, 2014).

The table is data shipped with caselink (``caselink/data/home_office_outcome_types.csv``, its
source named in the data README), read once when this module is first imported: the codes
and titles are the Home Office's, not ours to edit in code.
"""

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from types import MappingProxyType

_TABLE = "home_office_outcome_types.csv"


class OutcomeGroup(StrEnum):
    """How the outcome statistics group the outcome types."""

    CHARGED = "charged"
    OUT_OF_COURT = "out_of_court"
    EVIDENTIAL_DIFFICULTIES = "evidential_difficulties"
    NO_SUSPECT = "no_suspect"
    NOT_IN_PUBLIC_INTEREST = "not_in_public_interest"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class OutcomeType:
    """One Home Office outcome type: its code ("1".."22"), its title and its group."""

    code: str
    title: str
    group: OutcomeGroup


# The outcome types the rules name; the table holds every one of them.
CHARGED_OR_SUMMONSED = "1"
EVIDENTIAL_NO_SUSPECT_VICTIM_DOES_NOT_SUPPORT = "14"
EVIDENTIAL_SUSPECT_VICTIM_SUPPORTS = "15"
EVIDENTIAL_SUSPECT_VICTIM_DOES_NOT_SUPPORT = "16"
NO_SUSPECT_IDENTIFIED = "18"


def parse_outcome_types(text: str) -> dict[str, OutcomeType]:
    """Read the outcome-type table (CSV with columns code, title, group), refusing a table with
    a repeated code, an unknown group or a missing title: a wrong table would close crimes
    under the wrong outcome.
    """
    table: dict[str, OutcomeType] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code, title = (row.get("code") or "").strip(), (row.get("title") or "").strip()
        if not code or not title:
            raise ValueError(f"outcome type table: a row without its code or title: {row}")
        if code in table:
            raise ValueError(f"outcome type table: code {code} appears twice")
        table[code] = OutcomeType(code, title, OutcomeGroup((row.get("group") or "").strip()))
    return table


def _load() -> Mapping[str, OutcomeType]:
    text = files("caselink").joinpath("data", _TABLE).read_text(encoding="utf-8-sig")
    return MappingProxyType(parse_outcome_types(text))


OUTCOME_TYPES: Mapping[str, OutcomeType] = _load()
