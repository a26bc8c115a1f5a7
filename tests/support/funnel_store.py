"""Eleven forces of 40 rape reports each whose write-off rates spread more than chance allows:
Kent's rate is unusual on any funnel; Gloucestershire's is below the binomial limits but inside
the limits allowing for overdispersion."""

from pathlib import Path

from support.sample_files import report, write_reports

TOTAL = 40
WRITE_OFFS = {
    "Gloucestershire": 2,
    "Surrey": 3,
    "Essex": 4,
    "Sussex": 5,
    "Norfolk": 6,
    "Suffolk": 7,
    "Hampshire": 8,
    "Dorset": 9,
    "Wiltshire": 14,
    "Gwent": 18,
    "Kent": 36,
}
CANCELLED = {
    "status": "cancelled",
    "cancellation_code": "C2",
    "cancellation_rationale": "CCTV places him elsewhere",
    "cancellation_evidence": "CCTV reference 7",
    "cancellation_authorised_by": "KEN-FCR01",
}


def write_spread_reports(path: Path) -> Path:
    """The reports file: each force's first reports cancelled, the rest crimes."""
    rows = [
        report(f"{force[:3].upper()}{i}", force=force, **(CANCELLED if i < written_off else {}))
        for force, written_off in WRITE_OFFS.items()
        for i in range(TOTAL)
    ]
    return write_reports(path, rows)
