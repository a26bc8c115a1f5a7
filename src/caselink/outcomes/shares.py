"""A count as a share of its denominator with a 95% Wilson interval — the one figure every
statistic of the justice path is built from, computed by `caselink.integrity.wilson`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from caselink.integrity import wilson

LEVEL = 0.95
INTERVAL = (
    "Wilson score interval at 95% (Wilson 1927, JASA 22:209–212), computed by "
    "caselink.integrity.wilson; rate and interval are null when the denominator is 0"
)


@dataclass(frozen=True, slots=True)
class Share:
    """`count` out of `denominator`, with the share and its 95% Wilson interval.

    `rate`, `lower95` and `upper95` are None when the denominator is 0: there is no share to
    show, and None (JSON null) says so where NaN would break JSON and mislead a reader.
    """

    count: int
    denominator: int
    rate: float | None
    lower95: float | None
    upper95: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "denominator": self.denominator,
            "rate": self.rate,
            "lower95": self.lower95,
            "upper95": self.upper95,
        }


def share(count: int, denominator: int) -> Share:
    """`count`/`denominator` as a `Share` with its 95% Wilson score interval (Wilson 1927),
    by `caselink.integrity.wilson`; a denominator of 0 gives None for the share and interval.
    Raises ValueError when the count is negative or exceeds the denominator."""
    rate = wilson(count, denominator, LEVEL)
    return Share(count, denominator, rate.rate, rate.lower, rate.upper)


def check_unit(unit: str) -> None:
    """Refuse an empty unit name: every figure must say whose it is."""
    if not unit:
        raise ValueError("a unit (force) needs a name")


def check_counts(unit: str, **counts: int) -> None:
    """Refuse negative counts, naming the unit and the count."""
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{unit}: {name} cannot be negative ({value})")


def check_distinct(units: list[str]) -> None:
    """Refuse a unit given twice: its figures would be counted twice in the national total."""
    if len(set(units)) != len(units):
        raise ValueError("each unit may appear once")
