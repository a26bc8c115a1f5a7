"""Print digests of what offence linkage and person resolution produce on one synthetic dataset,
so two versions of the code can be shown to give the same answers (a refactor's check).

Run: .venv/bin/python bench/outputs_digest.py --data DIR --db FRESH.db [--km 10 --days 180]
Against older code, run the same file with PYTHONPATH pointing at that version's src/ (for
example a `git worktree` of it) and compare the two JSON documents. The dataset is one
`caselink synth --out DIR` wrote; the store must be new.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import text

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.services import linkage, persons, users
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file

try:  # the module's place since offence linkage became a package of its own
    from caselink.linkage.offences import LinkSettings
except ImportError:  # older versions
    from caselink.linkage import LinkSettings  # type: ignore[attr-defined,no-redef]


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--db", required=True, help="a new SQLite file or PostgreSQL URL")
    parser.add_argument("--km", type=float, default=10.0)
    parser.add_argument("--days", type=float, default=180.0)
    args = parser.parse_args()
    app = build(database=args.db)
    app.initialise()
    ctx = app.context
    users.add_user(ctx, "bench", Role.REGISTRAR, "bench-password-long-enough", by="bench")
    actor, analyst = Actor("bench", Role.REGISTRAR), Actor("bench-ann", Role.ANALYST)
    for kind, name in ((Kind.REPORTS, "reports"), (Kind.PERSONS, "persons")):
        import_file(ctx, actor, kind, args.data / f"{name}.csv")
    import_file(ctx, actor, Kind.OFFENDERS, args.data / "offenders.csv")
    linkage.train(ctx, analyst, settings=LinkSettings(max_km=args.km, max_days=args.days))
    linkage.run(ctx, analyst, top=5)
    persons.resolve(ctx, analyst)
    result: dict[str, Any] = {}
    with ctx.db.engine.connect() as conn:
        links = conn.execute(
            text(
                "SELECT a.force || ' ' || a.reference, b.force || ' ' || b.reference, l.rank, "
                "round(l.score, 9) FROM report_links l JOIN reports a ON a.id = l.report_id "
                "JOIN reports b ON b.id = l.other_id ORDER BY 1, 3"
            )
        ).all()
        series: dict[int, list[str]] = {}
        for sid, key in conn.execute(
            text(
                "SELECT s.series_id, r.force || ' ' || r.reference FROM link_series s "
                "JOIN reports r ON r.id = s.report_id ORDER BY 1, 2"
            )
        ):
            series.setdefault(sid, []).append(key)
        entities: dict[str, list[str]] = {}
        for key, entity in conn.execute(
            text(
                "SELECT r.force || ' ' || r.reference || ' ' || p.person_key, e.entity_id "
                "FROM person_entities e JOIN persons p ON p.id = e.person_id "
                "JOIN reports r ON r.id = p.report_id"
            )
        ):
            entities.setdefault(entity, []).append(key)
    result["links"] = {"count": len(links), "digest": _digest([tuple(r) for r in links])}
    groups = sorted(sorted(v) for v in series.values())
    result["series"] = {"count": len(groups), "digest": _digest(groups)}
    people = sorted(sorted(v) for v in entities.values())
    result["entities"] = {
        "records": sum(len(v) for v in people),
        "count": len(people),
        "digest": _digest(people),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
