"""The rules a consumer of journey.csv enforces, checked row by row in plain Python.

Written from the journey contract (the step kinds, their details and the rules JNY, INV, OUT
and VC), independently of the generator's code, so that a generated file that breaks a rule
fails here whatever the generator believes.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

KINDS = {
    "attended",
    "needs_assessed",
    "referral",
    "suspect_identified",
    "arrested",
    "interviewed",
    "released",
    "file_to_cps",
    "cps_decision",
    "charged",
    "no_further_action",
    "vrr_requested",
    "vrr_decided",
    "first_hearing",
    "verdict",
    "victim_updated",
    "updates_declined",
    "outcome",
    "reopened",
}
DECISIONS = {"arrested", "interviewed", "released", "charged", "no_further_action"}
AFTER_OUTCOME = {"victim_updated", "vrr_requested", "vrr_decided", "first_hearing", "verdict"}
FIRST_RESPONSE = {"attended", "needs_assessed", "referral", "updates_declined", "victim_updated"}
CHOICES = {
    ("released", "release"): {"bail", "under_investigation"},
    ("file_to_cps", "purpose"): {"advice", "charging_decision"},
    ("cps_decision", "decision"): {"charge", "nfa_evidential", "nfa_public_interest", "more_work"},
    ("charged", "route"): {"charge", "summons"},
    ("vrr_decided", "result"): {"upheld", "overturned"},
    ("verdict", "verdict"): {"convicted_rape", "convicted_other", "acquitted", "discontinued"},
    ("victim_updated", "how"): {"phone", "letter", "email", "in_person", "other"},
    ("attended", "trained_officer"): {"true", "false"},
    ("referral", "service"): {"sarc", "isva", "other"},
    ("referral", "answer"): {"accepted", "declined", "not_appropriate"},
    ("outcome", "code"): {str(c) for c in range(1, 23)},
}
REQUIRED = {
    "attended": {"officer", "trained_officer"},
    "needs_assessed": {"needs"},
    "referral": {"service", "answer"},
    "released": {"release"},
    "file_to_cps": {"purpose"},
    "cps_decision": {"decision"},
    "charged": {"route"},
    "no_further_action": {"ground"},
    "vrr_decided": {"result"},
    "verdict": {"verdict"},
    "victim_updated": {"decision", "decision_at", "how"},
    "outcome": {"code"},
    "reopened": {"reason"},
}


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; one without an offset is UTC, as the caselink formats say."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def broken_rules(
    journey: Iterable[dict[str, str]],
    reports: Iterable[dict[str, str]],
    as_at: datetime,
) -> list[str]:
    """Every breach of the journey rules in the rows, as ``reference: what`` lines."""
    report_of = {(r["force"], r["reference"]): r for r in reports}
    by_report: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    errors: list[str] = []
    seen_keys: list[tuple[str, str]] = []
    for row in journey:
        key = (row["force"], row["reference"])
        if not seen_keys or seen_keys[-1] != key:
            seen_keys.append(key)
        by_report[key].append(row)
    if len(seen_keys) != len(by_report):
        errors.append("the rows of a report are not together")
    for key, rows in by_report.items():
        report = report_of.get(key)
        if report is None:
            errors.append(f"{key}: no such report")
            continue
        errors += [f"{key[1]}: {e}" for e in _report_errors(rows, report, as_at)]
    return errors


def _report_errors(
    rows: list[dict[str, str]], report: dict[str, str], as_at: datetime
) -> list[str]:
    errors: list[str] = []
    first_contact = parse_time(report["reported_at"])
    done: dict[str, list[tuple[datetime, dict[str, str]]]] = defaultdict(list)
    closed = False
    previous: datetime | None = None
    for row in rows:
        kind = row["step"]
        if kind not in KINDS:
            errors.append(f"unknown step {kind!r}")
            continue
        at = parse_time(row["at"])
        details = json.loads(row["details"])
        errors += _detail_errors(kind, details)
        if not row["actor"]:
            errors.append(f"{kind} without an actor")
        if at < first_contact:
            errors.append(f"JNY-1 {kind} before first contact")
        if at > as_at:
            errors.append(f"JNY-1 {kind} after the data's end")
        if previous is not None and at < previous:
            errors.append(f"{kind} out of time order")
        previous = at
        if kind == "charged" and not (
            done["arrested"] or any(d["decision"] == "charge" for _, d in done["cps_decision"])
        ):
            errors.append("INV-1 charged with no arrest and no CPS decision to charge")
        if kind in ("first_hearing", "verdict") and not done["charged"]:
            errors.append(f"INV-2 {kind} with no charge")
        if kind == "cps_decision" and not done["file_to_cps"]:
            errors.append("INV-3 CPS decision with no file to the CPS")
        if kind == "vrr_requested" and not done["no_further_action"]:
            errors.append("INV-4 VRR request with no decision of no further action")
        if kind == "vrr_decided" and not done["vrr_requested"]:
            errors.append("INV-4 VRR decision with no request")
        if kind == "outcome":
            code = details.get("code")
            if code == "1" and not done["charged"]:
                errors.append("OUT-1 outcome 1 with no charge")
            if code in ("15", "16") and not done["suspect_identified"]:
                errors.append(f"OUT-1 outcome {code} with no suspect identified")
            if code in ("14", "18") and any(r["step"] == "suspect_identified" for r in rows):
                errors.append(f"OUT-1 outcome {code} with a suspect identified")
        if closed and kind not in AFTER_OUTCOME | {"reopened"}:
            errors.append(f"OUT-2 {kind} after the outcome")
        if kind == "reopened" and not closed:
            errors.append("OUT-2 reopened with no outcome")
        if kind == "victim_updated":
            errors += _told_errors(details, done, report)
        closed = (closed or kind == "outcome") and kind != "reopened"
        done[kind].append((at, details))
    if report["status"] != "crime":
        extra = {r["step"] for r in rows} - FIRST_RESPONSE
        if extra:
            errors.append(f"a {report['status']} report has {sorted(extra)}")
        told = [d for _, d in done["victim_updated"] if d["decision"] != "cancellation"]
        if told:
            errors.append(f"a {report['status']} report told of {told}")
    return errors


def _detail_errors(kind: str, details: object) -> list[str]:
    if not isinstance(details, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in details.items()
    ):
        return [f"{kind} details are not an object of strings"]
    errors = [f"{kind} lacks {k}" for k in REQUIRED.get(kind, set()) - set(details)]
    for (step, field), allowed in CHOICES.items():
        if step == kind and field in details and details[field] not in allowed:
            errors.append(f"{kind} {field}={details[field]!r}")
    if kind == "referral":
        if details.get("answer") == "not_appropriate" and not details.get("reason"):
            errors.append("JNY-2 not-appropriate referral without a reason")
        if details.get("service") == "other" and not details.get("description"):
            errors.append("JNY-2 other referral without a description")
    if kind in ("no_further_action", "reopened") and not any(details.values()):
        errors.append(f"{kind} without its ground")
    return errors


def _told_errors(
    details: dict[str, str],
    done: dict[str, list[tuple[datetime, dict[str, str]]]],
    report: dict[str, str],
) -> list[str]:
    decision, when = details["decision"], parse_time(details["decision_at"])
    if decision == "cancellation":
        if report["status"] not in ("cancelled", "transferred"):
            return ["VC-2 told of a cancellation that did not happen"]
        if parse_time(report["cancellation_authorised_at"]) != when:
            return ["VC-2 told of a cancellation at another time"]
        return []
    if decision not in DECISIONS:
        return [f"VC-2 told of {decision!r}, not a key decision"]
    if not any(at == when for at, _ in done[decision]):
        return [f"VC-2 told of a {decision} at {when} that did not happen before"]
    return []
