"""What holding back an address costs a sign-in: a failed sign-in (one password check) and a
sign-in refused because its address is held back, on a fresh SQLite store, production argon2
cost.

Usage: python bench/sign_in_hold.py [--refusals 2000]

Prints one JSON document: the mean of the failed sign-ins that hold the address back, in
milliseconds, and of the refusals after it, in microseconds. Run it against another checkout
to compare (PYTHONPATH=OTHER/src python bench/sign_in_hold.py).
"""

import argparse
import contextlib
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.services import auth, users

LIMIT = 3
ADDRESS = "203.0.113.7"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refusals", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        application = build(database=str(Path(folder) / "caselink.db"))
        application.initialise()
        users.add_user(
            application.context, "ann", Role.ANALYST, "a long enough password", by="bench"
        )
        base = application.context
        ctx = replace(base, access=replace(base.access, address_failures=LIMIT))
        started = time.perf_counter()
        for _ in range(LIMIT):
            with contextlib.suppress(auth.LoginRefused):
                auth.login(ctx, "nobody", "Summer2024!", address=ADDRESS)
        failed = (time.perf_counter() - started) / LIMIT
        started = time.perf_counter()
        for _ in range(args.refusals):
            try:
                auth.login(ctx, "ann", "a long enough password", address=ADDRESS)
            except auth.LoginHeldBack:
                pass
            else:
                raise SystemExit("the address was not held back")
        held = (time.perf_counter() - started) / args.refusals
        base.db.engine.dispose()
    print(
        json.dumps(
            {
                "failed_sign_in_ms": round(failed * 1e3, 1),
                "held_back_refusal_us": round(held * 1e6),
                "refusals": args.refusals,
            }
        )
    )


if __name__ == "__main__":
    main()
