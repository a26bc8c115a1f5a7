"""The figures the journey reproduces, each beside its target and tolerance (``synth --json``).

Each is computed from the steps as written to ``journey.csv``, so a reader can recompute it
from the file. Targets come from DOMAIN.md §8 where it gives one (recorded rapes, 2017/18
where it can); the support and Victims' Code figures have no published figure behind them and
their targets are the invented shares the generator is set to (docs/synth.md).
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from caselink.synth.journey.assembly import Journey, JourneyReports
from caselink.synth.journey.first_response import DECLINED, ISVA, SARC
from caselink.synth.journey.steps import KIND
from caselink.synth.writer import iso_times

_DAY = np.timedelta64(86400, "s")


@dataclass(frozen=True, slots=True)
class Figure:
    """One reproduced figure: its value over ``n`` cases (None when there are none, as at
    small scales), the target and the tolerance."""

    name: str
    value: float | None
    n: int
    target: float
    tolerance: float
    what: str
    source: str

    @property
    def within_tolerance(self) -> bool:
        return self.value is not None and abs(self.value - self.target) <= self.tolerance

    def as_json(self) -> dict[str, Any]:
        """The figure as a JSON-ready mapping (the value rounded to 4 places)."""
        return {
            "value": None if self.value is None else round(self.value, 4),
            "n": self.n,
            "target": self.target,
            "tolerance": self.tolerance,
            "within_tolerance": self.within_tolerance,
            "what": self.what,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class JourneyFigures:
    """What ``journey.csv`` holds in figures: the data's end, the counts, and the figures."""

    as_at: str
    steps: int
    missed_chances: int
    recorded_rapes: int
    open_recorded_rapes: float | None  # share with no outcome (or reopened) at the data's end
    figures: tuple[Figure, ...]

    def as_json(self) -> dict[str, Any]:
        """The ``"journey"`` entry of ``synth --json``."""
        doc: dict[str, Any] = {
            "as_at": self.as_at,
            "steps": self.steps,
            "missed_chances": self.missed_chances,
            "recorded_rapes": self.recorded_rapes,
            "open_recorded_rapes": (
                None if self.open_recorded_rapes is None else round(self.open_recorded_rapes, 4)
            ),
        }
        doc.update({f.name: f.as_json() for f in self.figures})
        return doc


def _share(hits: np.ndarray, of: np.ndarray) -> tuple[float | None, int]:
    total = int(of.sum())
    return (float((hits & of).sum() / total) if total else None), total


def journey_figures(journey: Journey, reports: JourneyReports, missed: int) -> JourneyFigures:
    """Compute every figure from the journey's steps (see the module docstring)."""
    table = journey.steps
    n = len(reports.force)
    rape_report = reports.rape
    recorded_rape = reports.recorded & rape_report
    outcome = np.full(n, -1, dtype=np.int64)
    outcome_at = np.full(n, np.datetime64("NaT", "s"))
    rows = table.kind == KIND["outcome"]
    outcome[table.report[rows]] = table.code[rows]
    outcome_at[table.report[rows]] = table.at[rows]
    closed = (outcome >= 0) & ~table.has("reopened", n)
    charged_at = table.first("charged", n)
    charged = recorded_rape & ~np.isnat(charged_at)

    figures: list[Figure] = []
    value, total = _share(outcome == 1, recorded_rape)
    figures.append(
        Figure(
            "rape_charge_rate", value, total, 0.042, 0.01,
            "recorded rapes with outcome 1 (charged or summonsed) by the data's end",
            "DOMAIN.md §8: 4.2% of police-recorded rapes charged or summonsed in 2017/18",
        )
    )  # fmt: skip
    value, total = _share(outcome == 16, recorded_rape & (outcome >= 0))
    figures.append(
        Figure(
            "outcome_16_share", value, total, 0.40, 0.05,
            "recorded rapes with an outcome whose outcome is 16 (victim does not support "
            "action, suspect identified)",
            "DOMAIN.md §8: a third (2015) rising to a half (2018) of rape outcomes; 41% in the "
            "year to June 2021",
        )
    )  # fmt: skip
    days = (charged_at[charged] - reports.reported_at[charged]) / _DAY
    figures.append(
        Figure(
            "median_days_to_charge", float(np.median(days)) if len(days) else None,
            len(days), 390.0, 30.0,
            "median days from first contact to the charge, of recorded rapes charged",
            "DOMAIN.md §8: 381 days (2018/19), 395 (2019/20)",
        )
    )  # fmt: skip
    withdrew = recorded_rape & (outcome == 16)
    soon = (outcome_at - reports.reported_at) <= 30 * _DAY
    value, total = _share(soon, withdrew)
    figures.append(
        Figure(
            "withdrawals_within_30_days", value, total, 0.65, 0.15,
            "recorded rapes closed with outcome 16 within 30 days of first contact",
            "DOMAIN.md §8: London Rape Review 2019, 58% of victims withdrew, most within 30 days",
        )
    )  # fmt: skip
    figures += _referrals(journey, rape_report, n)
    figures.append(_duties(journey))
    return JourneyFigures(
        as_at=str(iso_times(np.array([journey.as_at]))[0]) + "Z",
        steps=len(table),
        missed_chances=missed,
        recorded_rapes=int(recorded_rape.sum()),
        open_recorded_rapes=_share(~closed, recorded_rape)[0],
        figures=tuple(figures),
    )


def _referrals(journey: Journey, rape_report: np.ndarray, n: int) -> list[Figure]:
    table = journey.steps
    rows = (table.kind == KIND["referral"]) & rape_report[table.report]
    service, answer = table.code[rows] // 10, table.code[rows] % 10
    invented = "invented (DOMAIN.md §8 gives no figure; a decline is a valid answer)"
    figures = []
    for name, which, offered, declined in (("sarc", SARC, 0.75, 0.25), ("isva", ISVA, 0.85, 0.33)):
        offers = table.report[rows][service == which]
        got = np.zeros(n, dtype=bool)
        got[offers] = True
        value, total = _share(got, rape_report)
        figures.append(
            Figure(
                f"{name}_referral_rate", value, total, offered, 0.05,
                f"rape reports (N100s and written-off ones included) offered a {name.upper()}",
                invented,
            )
        )  # fmt: skip
        said_no = answer[service == which] == DECLINED
        figures.append(
            Figure(
                f"{name}_decline_rate", float(said_no.mean()) if len(said_no) else None,
                len(said_no), declined, 0.05,
                f"{name.upper()} referrals of rape reports that the victim declined",
                invented,
            )
        )  # fmt: skip
    return figures


def _duties(journey: Journey) -> Figure:
    duties = journey.duties
    counted = ~duties.declined & (duties.due <= journey.as_at)
    met = ~np.isnat(duties.told_at) & (duties.told_at <= duties.due)
    value, total = _share(met, counted)
    return Figure(
        "duties_met_on_time", value, total, 0.80, 0.05,
        "key decisions (arrested, interviewed, released, charged, no further action) told to "
        "the victim within 1 working day, of those due by the data's end and not declined",
        "Victims' Code 2021 enhanced rights (DOMAIN.md §8); the share met is invented",
    )  # fmt: skip
