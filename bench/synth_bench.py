"""Synthetic dataset generation: reports a second and peak memory.

Usage: python bench/synth_bench.py [--scale 1.0] [--years 1] [--seed 0] [--repeat 1]
Generates into a temporary folder and prints one JSON document. The target is at least
100,000 reports a second; --scale 1.0 is one national year (about 153,000 reports).
"""

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from caselink.synth import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs; the fastest is reported")
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            summary = generate(Path(tmp), years=args.years, scale=args.scale, seed=args.seed)
            seconds = time.perf_counter() - started
            size = sum(p.stat().st_size for p in Path(tmp).rglob("*.csv"))
        runs.append(seconds)
    best = min(runs)
    # ru_maxrss is in kilobytes on Linux and bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    print(
        json.dumps(
            {
                "scale": args.scale,
                "years": args.years,
                "reports": summary.reports,
                "persons": summary.persons,
                "seconds": round(best, 3),
                "seconds_all_runs": [round(s, 3) for s in runs],
                "reports_per_second": round(summary.reports / best),
                "output_mb": round(size / 1e6, 1),
                "peak_rss_mb": round(peak_mb, 1),
                "rape_write_off_rate": round(summary.rape_write_off_rate, 4),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
