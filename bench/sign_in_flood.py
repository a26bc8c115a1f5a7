"""Report pages during a flood of sign-ins: do people reading reports wait for password hashing?

Usage: python bench/sign_in_flood.py [--attempts 128] [--at-once 16] [--readers 2]
       [--years 1] [--scale 0.02] [--db PATH]

Builds (or reuses) a small synthetic store, starts the web application with uvicorn in a
subprocess (one process, production argon2 cost), signs `--readers` users in and measures the
report page for them: first on a quiet server, then while `--attempts` sign-ins with wrong
names or passwords arrive `--at-once` at a time from clients that are not signed in. Prints one
JSON document: the report page's median and p95 in milliseconds, quiet and during the flood,
how long the flood took and the statuses the sign-ins got.

Run it against two checkouts to compare (PYTHONPATH=OTHER/src python bench/sign_in_flood.py):
the server subprocess inherits PYTHONPATH, so it serves whichever caselink comes first.
"""

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_bench import free_port, prepare, signed_in, start_server

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.services import users

QUIET_REQUESTS = 60
TARGET = "target"  # the real user the flood guesses passwords for


def add_target(db: Path) -> None:
    """The user whose password the flood guesses; added once per store."""
    application = build(database=str(db))
    ctx = application.context
    with ctx.db.reader() as uow:
        exists = uow.users.get(TARGET) is not None
    if not exists:
        users.add_user(ctx, TARGET, Role.OFFICER, "target of a sign-in flood 7", by="bench")
    ctx.db.engine.dispose()


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }


async def _read_reports(
    client: httpx.AsyncClient, urls: list[str], latencies: list[float], until: asyncio.Event | None
) -> None:
    """Open report pages one after another: `len(urls)` of them, or until `until` is set."""
    i = 0
    while (until is None and i < len(urls)) or (until is not None and not until.is_set()):
        url = urls[i % len(urls)]
        i += 1
        start = time.perf_counter()
        answer = await client.get(url)
        latencies.append((time.perf_counter() - start) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}")


async def _sign_in_attempt(base: str, name: str, statuses: Counter[int]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        page = await client.get("/login")
        token = page.text.split('name="login_csrf" value="', 1)[1].split('"', 1)[0]
        answer = await client.post(
            "/login",
            data={
                "name": name,
                "password": secrets.token_urlsafe(12),
                "login_csrf": token,
                "next": "/",
            },
        )
        statuses[answer.status_code] += 1


async def _flood(base: str, attempts: int, at_once: int, statuses: Counter[int]) -> float:
    gate = asyncio.Semaphore(at_once)

    async def one(i: int) -> None:
        # Half unknown names, half a real user's name with a wrong password: both cost a hash.
        # Not the readers' user: the flood locks its target, and a reused store keeps the lock.
        async with gate:
            await _sign_in_attempt(base, TARGET if i % 2 else f"intruder{i}", statuses)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(attempts)))
    return time.perf_counter() - start


async def measure(base: str, urls: list[str], args: argparse.Namespace) -> dict[str, Any]:
    readers = [await signed_in(base) for _ in range(args.readers)]
    quiet: list[float] = []
    await asyncio.gather(*(_read_reports(c, urls[:QUIET_REQUESTS], quiet, None) for c in readers))
    flooded: list[float] = []
    done = asyncio.Event()
    statuses: Counter[int] = Counter()
    reading = [asyncio.create_task(_read_reports(c, urls, flooded, done)) for c in readers]
    seconds = await _flood(base, args.attempts, args.at_once, statuses)
    done.set()
    await asyncio.gather(*reading)
    for c in readers:
        await c.aclose()
    return {
        "report_page_quiet": _ms(quiet),
        "report_page_during_flood": _ms(flooded),
        "flood": {
            "attempts": args.attempts,
            "at_once": args.at_once,
            "seconds": round(seconds, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=128)
    parser.add_argument("--at-once", type=int, default=16)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "caselink.db"
        figures = prepare(db, args.years, args.scale, args.seed)
        add_target(db)
        urls = [f"/reports/{force}/{reference}" for force, reference in figures["sample"]]
        port = free_port()
        # Every attempt comes from this machine's address, which the server would hold back
        # after 30 failures and answer at no cost; the flood stands for many addresses, so the
        # password checks it causes are what is measured.
        os.environ["CASELINK_ADDRESS_FAILURES"] = "0"
        server = start_server(db, port, 1)
        try:
            result = asyncio.run(measure(f"http://127.0.0.1:{port}", urls, args))
        finally:
            server.terminate()
            server.wait(30)
    import caselink

    print(
        json.dumps(
            {
                "caselink": str(Path(caselink.__file__).parent),
                "reports": figures["reports"],
                **result,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
