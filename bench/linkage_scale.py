"""A national year (or ten) of synthetic reports: train, score and form series, timed.

Generates the synthetic national dataset (caselink.synth; scale 1.0 is about 150,000 reports a
year), then times each phase of a linkage run on it: checking the input, training (with the
family chosen by cross-validation unless --family is given), scoring every candidate pair while
keeping each report's best --keep-top, and forming series. Prints one JSON object with the time
of each phase, pair counts, peak resident memory and, with --evaluate, the cross-validated
figures on the same data.

    .venv/bin/python bench/linkage_scale.py                      # one national year
    .venv/bin/python bench/linkage_scale.py --years 10           # ten years
    .venv/bin/python bench/linkage_scale.py --max-km 10          # a narrower window
    .venv/bin/python bench/linkage_scale.py --evaluate --no-run  # the evaluation alone
"""

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage_data import load_labels, load_reports

from caselink.linkage.offences import (
    LinkSettings,
    ReportFrame,
    evaluate,
    form_series,
    score,
    summarise_series,
    train,
)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Phases(dict[str, float]):
    """Seconds by phase; each phase, as it is timed, also notes the peak memory so far."""

    def __init__(self) -> None:
        super().__init__()
        self.peaks: dict[str, float] = {}

    def __setitem__(self, phase: str, seconds: float) -> None:
        super().__setitem__(phase, seconds)
        self.peaks[phase] = round(_peak_rss_mb())


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-km", type=float, default=LinkSettings().max_km)
    ap.add_argument("--max-days", type=float, default=LinkSettings().max_days)
    ap.add_argument("--family", default="auto", choices=["auto", "naive_bayes", "logistic"])
    ap.add_argument("--keep-top", type=int, default=50)
    ap.add_argument(
        "--min-score",
        type=float,
        default=0.0,
        help="keep only pairs with at least this log Bayes factor (evidence for a link)",
    )
    ap.add_argument("--evaluate", action="store_true", help="also run the 5-fold evaluation")
    ap.add_argument("--data", type=Path, help="use this synthetic folder instead of generating")
    ap.add_argument("--no-run", action="store_true", help="skip train, score and series")
    args = ap.parse_args()

    out: dict[str, Any] = {
        "benchmark": "linkage_scale",
        "args": vars(args) | {"data": str(args.data)},
    }
    phases = _Phases()
    t = time.perf_counter()
    folder = args.data
    if folder is None:
        from caselink.synth import generate

        folder = Path(tempfile.mkdtemp(prefix="linkage-scale-"))
        generate(folder, years=args.years, scale=args.scale, seed=args.seed)
    phases["generate"] = time.perf_counter() - t

    t = time.perf_counter()
    reports = load_reports(folder)
    labels = load_labels(folder, reports)
    phases["read_csv"] = time.perf_counter() - t

    settings = LinkSettings(max_km=args.max_km, max_days=args.max_days, family=args.family)
    t0 = time.perf_counter()
    frame = ReportFrame.from_arrow(reports)
    phases["frame"] = time.perf_counter() - t0
    del reports  # linkage reads the frame: the table it came from is the reader's to keep or not
    out.update({"reports": frame.n, "solved_reports": labels.num_rows})
    if not args.no_run:
        out.update(_run(frame, labels, settings, args, phases, t0))
    if args.evaluate:
        t = time.perf_counter()
        figures = evaluate(frame, labels, folds=5, seed=0, settings=settings)
        figures.pop("fold_of")
        out["evaluation"] = figures
        phases["evaluate"] = time.perf_counter() - t
    out["seconds"] = phases
    out["peak_rss_mb_by_phase"] = phases.peaks
    out["peak_rss_mb"] = _peak_rss_mb()
    out["target"] = {"frame_train_score_series_seconds": 60, "peak_rss_mb": 4096}
    print(json.dumps(out, indent=1, default=str))


def _run(
    frame: ReportFrame,
    labels: Any,
    settings: LinkSettings,
    args: argparse.Namespace,
    phases: dict[str, float],
    t0: float,
) -> dict[str, Any]:
    t = time.perf_counter()
    model = train(frame, labels, settings=settings)
    phases["train"] = time.perf_counter() - t
    t = time.perf_counter()
    scored = score(frame, model, keep_top=args.keep_top, min_score=args.min_score)
    phases["score"] = time.perf_counter() - t
    t = time.perf_counter()
    series = form_series(scored, model.threshold)
    phases["series"] = time.perf_counter() - t
    phases["frame_train_score_series"] = time.perf_counter() - t0
    summary = summarise_series(series, frame)
    written_off = sum(
        np.asarray(summary.column(c).to_numpy(zero_copy_only=False), dtype=np.int64)
        for c in ("n_cancelled", "n_transferred", "n_n100")
    )

    return {
        "family": model.family,
        "selection": model.training.get("selection"),
        "training_pairs": model.training["n_pairs"],
        "training_linked_pairs": model.training["n_linked_pairs"],
        "training_unlinked_pairs_held": model.training["n_unlinked_pairs_held"],
        "scored_pairs_kept": scored.num_rows,
        "series": len(set(series.column("series_id").to_pylist())),
        "reports_in_series": series.num_rows,
        "series_with_written_off_members": int((written_off > 0).sum()),
    }


if __name__ == "__main__":
    main()
