"""Web latency on a synthetic store: the report page and the report list under concurrent clients.

Usage: python bench/web_bench.py [--years 10] [--scale 0.05] [--clients 20] [--requests 600]
       [--db PATH] [--server-workers 1] [--warmup 100]

Generates `--years` of synthetic national reports (caselink.synth, `--scale` of national
volume), imports them into a fresh SQLite store (or reuses `--db` if it already holds them),
starts `caselink serve`'s application with uvicorn in a subprocess (`--server-workers`
processes), signs one user in per client and, after `--warmup` unmeasured requests, sends
`--requests` requests per endpoint from `--clients` concurrent clients (asyncio + httpx).
Prints one JSON document: p50/p95/p99/max in milliseconds and requests a second for each
endpoint, and whether each p95 met the 150 ms target. The report page writes an access-log
entry on every view (DPA 2018 s.62), so it measures a write as well as reads.
"""

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.services import users
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file
from caselink.synth import generate

TARGET_P95_MS = 150.0
PASSWORD = "benchmark password 1"


def prepare(db: Path, years: int, scale: float, seed: int) -> dict[str, Any]:
    """A store with `years` of synthetic reports and an officer; reused when already built."""
    application = build(database=str(db))
    application.initialise()
    ctx = application.context
    with ctx.db.reader() as uow:
        ready = uow.users.get("bench") is not None
    figures: dict[str, Any] = {"reused": ready}
    if not ready:
        data = db.parent / "synth"
        start = time.perf_counter()
        summary = generate(data, years=years, scale=scale, seed=seed)
        figures["generate_seconds"] = round(time.perf_counter() - start, 1)
        users.add_user(ctx, "bench", Role.REGISTRAR, PASSWORD, by="bench")
        actor = Actor("bench", Role.REGISTRAR)
        start = time.perf_counter()
        import_file(ctx, actor, Kind.REPORTS, summary.reports_csv)
        import_file(ctx, actor, Kind.PERSONS, summary.persons_csv)
        figures["import_seconds"] = round(time.perf_counter() - start, 1)
    with ctx.db.reader() as uow:
        rows = uow.connection.exec_driver_sql(
            "SELECT force, reference FROM reports ORDER BY random() LIMIT 2000"
        ).all()
        figures["reports"] = uow.connection.exec_driver_sql(
            "SELECT count(*) FROM reports"
        ).scalar_one()
        forces = [
            r[0] for r in uow.connection.exec_driver_sql("SELECT DISTINCT force FROM reports")
        ]
    application.context.db.engine.dispose()
    figures["sample"] = [(f, r) for f, r in rows]
    figures["forces"] = forces
    return figures


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CASELINK_DATABASE_URL": str(db)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "caselink.web.serving:from_environment", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log", "--workers", str(workers),
         # clients sign in one after another, then wait for the rest: keep their connections
         "--timeout-keep-alive", "120"],
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


async def signed_in(base: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=True)
    page = await client.get("/login")
    token = page.text.split('name="login_csrf" value="', 1)[1].split('"', 1)[0]
    await client.post(
        "/login", data={"name": "bench", "password": PASSWORD, "login_csrf": token, "next": "/"}
    )
    page = await client.get("/justification")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    await client.post(
        "/justification", data={"csrf_token": csrf, "other": "performance benchmark", "next": "/"}
    )
    return client


async def load(base: str, urls: list[str], clients: int) -> dict[str, Any]:
    sessions = [await signed_in(base) for _ in range(clients)]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    latencies: list[float] = []
    failures = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty():
            url = queue.get_nowait()
            start = time.perf_counter()
            answer = await client.get(url)
            latencies.append((time.perf_counter() - start) * 1000)
            failures += answer.status_code != 200

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in sessions))
    seconds = time.perf_counter() - start
    for c in sessions:
        await c.aclose()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "failures": failures,
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "max_ms": round(max(latencies), 1),
        "requests_per_s": round(len(latencies) / seconds, 1),
        "meets_target": cuts[94] <= TARGET_P95_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=600, help="per endpoint")
    parser.add_argument("--db", type=Path, help="build or reuse the store here")
    parser.add_argument(
        "--server-workers", type=int, default=1, help="uvicorn processes (more add ~40 ms here)"
    )
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests first")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="caselink-web-bench-"))
    db = args.db or folder / "caselink.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    store = prepare(db, args.years, args.scale, args.seed)
    rnd = random.Random(args.seed)
    sample, forces = store.pop("sample"), store.pop("forces")
    endpoints = {
        "report_page": [f"/reports/{f}/{r}" for f, r in sample],
        "report_list": ["/reports"],
        "report_list_filtered": [
            f"/reports?force={f}&status=cancelled&offence=19C" for f in forces
        ],
    }
    port = free_port()
    server = start_server(db, port, args.server_workers)
    results: dict[str, Any] = {}
    try:
        for name, urls in endpoints.items():
            warm = [rnd.choice(urls) for _ in range(args.warmup)]
            asyncio.run(load(f"http://127.0.0.1:{port}", warm, args.clients))
            picked = [rnd.choice(urls) for _ in range(args.requests)]
            results[name] = asyncio.run(load(f"http://127.0.0.1:{port}", picked, args.clients))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        json.dumps(
            {
                "benchmark": "web",
                "years": args.years,
                "scale": args.scale,
                "clients": args.clients,
                "server_workers": args.server_workers,
                "target_p95_ms": TARGET_P95_MS,
                "store": store,
                "endpoints": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
