"""A small offence simulator for the linkage tests: offenders with a home, a habit and a way of
offending, who commit one or several offences near home; a share of reports are solved."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from caselink.linkage.offences.frame import reports_table

APPROACH = ["blitz", "con", "surprise", "befriend", "online", "intoxicated_victim", "abduction"]
CONTROL = ["physical_restraint", "bound", "gagged", "blindfold", "threats", "drugged"]
PLACES = ["victim_home", "street", "park", "vehicle", "licensed_premises", "hotel"]
START = datetime(2022, 1, 1, tzinfo=UTC)


def simulate(
    n_offenders: int = 160, seed: int = 0, years: int = 1, spread_km: float = 2.0
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(reports, labels of solved reports, labels of every report) for a simulated area."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    truth: list[tuple[str, int]] = []
    for o in range(n_offenders):
        home = (rng.uniform(51.0, 52.2), rng.uniform(-1.5, 0.3))
        approach = rng.choice(APPROACH)
        control = set(rng.choice(CONTROL, size=2, replace=False).tolist())
        place = rng.choice(PLACES)
        hour = rng.uniform(0, 24)
        sex, age = ("male", rng.choice(["18-24", "25-34", "35-44", "45-54"]))
        relationship = rng.choice(["stranger", "acquaintance", "online_contact"])
        victim_sex = "female" if rng.random() < 0.9 else "male"
        n = 1 if rng.random() < 0.6 else int(rng.integers(2, 7))
        for _ in range(n):
            rid = len(rows) + 1
            lat = home[0] + rng.normal(0, spread_km / 111.0)
            lon = home[1] + rng.normal(0, spread_km / 70.0)
            day = rng.uniform(0, 365 * years)
            start = START + timedelta(
                days=day, hours=(hour + rng.normal(0, 1.5)) % 24 - day % 1 * 24
            )
            window = rng.random() < 0.3
            behaviours = {f"approach:{approach}", f"location_type:{place}"}
            behaviours |= {f"control:{c}" for c in control}
            behaviours = {b for b in behaviours if rng.random() > 0.2}
            if rng.random() < 0.3:
                behaviours.add(f"control:{rng.choice(CONTROL)}")
            status = rng.choice(["crime", "cancelled", "n100"], p=[0.85, 0.1, 0.05])
            rows.append(
                {
                    "report_id": rid,
                    "force": f"Force {int((lon + 1.5) // 0.45)}",
                    "reference": f"R{rid:05d}",
                    "status": str(status),
                    "cancellation_code": "C2" if status == "cancelled" else None,
                    "offence_code": "19C" if status == "crime" else None,
                    "reported_at": start + timedelta(days=float(rng.exponential(3))),
                    "occurred_from": start,
                    "occurred_to": start + timedelta(hours=float(rng.uniform(1, 8)))
                    if window
                    else None,
                    "latitude": float(lat) if rng.random() > 0.03 else None,
                    "longitude": float(lon),
                    "behaviours": sorted(behaviours),
                    "attributes": {"victim_sex": victim_sex},
                    "offender_sex": sex if rng.random() < 0.7 else None,
                    "offender_age_band": str(age) if rng.random() < 0.5 else None,
                    "relationship": str(relationship) if rng.random() < 0.9 else None,
                }
            )
            if rows[-1]["latitude"] is None:
                rows[-1]["longitude"] = None
            truth.append((f"O{o}", rid))
    table = reports_table(rows)
    all_labels = pa.table(
        {
            "offender_id": [t[0] for t in truth],
            "report_id": pa.array([t[1] for t in truth], pa.int64()),
        }
    )
    solved = rng.random(len(truth)) < 0.6
    labels = all_labels.filter(pa.array(solved))
    return table, labels, all_labels


@pytest.fixture(scope="module")
def simulated() -> tuple[pa.Table, pa.Table, pa.Table]:
    return simulate()


@pytest.fixture
def simulator() -> Callable[..., tuple[pa.Table, pa.Table, pa.Table]]:
    return simulate
