"""An independent recount of the integrity figures straight from a caselink reports CSV, by the
documented rules, to check what the database computes."""

import csv
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}
OTHER = {
    "17A", "17B", "20A", "20B", "21", "22A", "22B", "23", "70", "71", "72", "73",
    "88A", "88C", "88D", "88E",
}  # fmt: skip
DEADLINE = timedelta(hours=24)


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def recount(path: Path, group: str) -> dict[str, Counter[str]]:
    """Per force: recorded, written_off, c1..c4, n100, decided, late, applied, not_told, pending."""
    codes = RAPE if group == "rape" else OTHER
    out: dict[str, Counter[str]] = defaultdict(Counter)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["offence_code"] or None
            status = row["status"]
            is_n100 = code is None and (status == "n100" or row["cancellation_code"] != "")
            if code not in codes and not (group == "rape" and is_n100):
                continue
            c = out[row["force"]]
            written = status in ("cancelled", "transferred")
            # Rape and N100 cancellations without an authoriser wait: the report stays as it was.
            pending = (
                written and (code in RAPE or is_n100) and not row["cancellation_authorised_by"]
            )
            applied = written and not pending
            if code in codes:
                c["recorded"] += 1
                if applied:
                    c["written_off"] += 1
                    c[row["cancellation_code"].lower()] += 1
            else:
                c["n100"] += 1
            if row["decided_at"]:
                c["decided"] += 1
                if _time(row["decided_at"]) - _time(row["reported_at"]) > DEADLINE:
                    c["late"] += 1
            if applied:
                c["applied"] += 1
                if not row["complainant_informed_at"]:
                    c["not_told"] += 1
            if pending:
                c["pending"] += 1
    return out
