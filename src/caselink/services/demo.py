"""The demonstration: a national year of synthetic reports in a fresh database, every analysis
run on it."""

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caselink.domain.ownership import Home
from caselink.domain.roles import Role
from caselink.linkage.offences import LinkSettings
from caselink.services import history, linkage, outcomes, persons, users
from caselink.services.context import Actor, Context
from caselink.services.importing import ImportSummary, Kind, import_file
from caselink.services.integrity.report import (
    InspectionReport,
    IntegritySummary,
    build_report,
    summary_of,
    write_built,
)
from caselink.services.processes import compile_ahead
from caselink.services.store_counts import store_counts
from caselink.storage.queries import Stats
from caselink.synth import SynthSummary, generate

DEMO_USERS: tuple[tuple[str, Role], ...] = (
    ("olive", Role.OFFICER),
    ("rita", Role.REGISTRAR),
    ("sue", Role.REGISTRAR),
    ("ann", Role.ANALYST),
    ("ian", Role.INSPECTOR),
    ("ada", Role.ADMIN),
    ("nora", Role.REGISTRAR),
)
# Where each belongs: Kent's officer and registrar, Surrey's registrar (who decides who else
# reads Surrey's reports), the national analysts (SCAS), the inspectorate, a national
# administrator, and the national data team that loads every force's records.
DEMO_HOMES: dict[str, Home] = {
    "olive": Home(force="Kent"),
    "rita": Home(force="Kent"),
    "sue": Home(force="Surrey"),
    "ann": Home(unit="SCAS"),
    "ian": Home(unit="HMICFRS"),
    "ada": Home(unit="national"),
    "nora": Home(unit="national-data"),
}
# The demo links within 3 km and 90 days, not the default 50 km and 365 days: a national year
# has about a billion candidate pairs at the default, which cannot be scored within the demo's
# couple of minutes on two cores (bench/linkage_scale.py measures the wider windows).
DEMO_LINK_SETTINGS = LinkSettings(max_km=3.0, max_days=90.0)
# The stage that waits for the history check made beside the linkage, if it is not done yet.
CHECKED_BESIDE = "verifying the history's hash chain (begun beside the linkage)"
Stage = Callable[[str, int | None], Callable[[int], None]]  # (description, total) -> tick


def demo_password(name: str) -> str:
    """The demo users' passwords: known, printed, and only ever used on synthetic data."""
    return f"{name}-demo-password"


@dataclass(frozen=True, slots=True)
class DemoFolder:
    """Where the demo puts everything: its database, the synthetic data and the reports."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "caselink.db"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def report(self) -> Path:
        return self.root / "integrity-report.html"

    @property
    def funnel(self) -> Path:
        return self.root / "funnel.png"

    def clear(self) -> None:
        """Remove an earlier demo's database and data: they are the demo's own."""
        self.root.mkdir(parents=True, exist_ok=True)
        for name in ("caselink.db", "caselink.db-wal", "caselink.db-shm"):
            (self.root / name).unlink(missing_ok=True)
        if self.data.exists():
            shutil.rmtree(self.data)


@dataclass(frozen=True, slots=True)
class JusticeSummary:
    """The justice path's headline figures for rape, nationally, as the demo prints them."""

    attrition: dict[str, Any]
    time_to_charge: dict[str, Any]
    compliance: dict[str, Any]
    missed_chances: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "attrition": self.attrition,
            "time_to_charge": self.time_to_charge,
            "compliance": self.compliance,
            "missed_chances": self.missed_chances,
        }

    def lines(self) -> list[str]:
        stages = {s["stage"]: s for s in self.attrition["stages"]}
        recorded = stages["recorded"]["count"]

        def pct(value: float | None) -> str:
            return "—" if value is None else f"{100 * value:.1f}%"

        ttc, code = self.time_to_charge, self.compliance
        median = ttc["median_days"]
        within = {w["days"]: w["share"] for w in ttc.get("charged_within", [])}
        return [
            f"{recorded:,} recorded rapes: suspect identified "
            f"{pct(stages['suspect_identified']['rate'])}, referred to the CPS "
            f"{pct(stages['referred_to_cps']['rate'])}, charged {pct(stages['charged']['rate'])}, "
            f"convicted {pct(stages['convicted']['rate'])}",
            f"time to charge (Kaplan–Meier, {ttc['censored']:,} open or uncharged censored): "
            + (f"median {median:.0f} days" if median is not None else "median not reached")
            + (f", {pct(within[365])} charged within a year" if 365 in within else ""),
            f"Victims' Code: {pct(code['rate'])} of {code['due']:,} decisions told on time "
            f"({code['late']:,} late, {code['overdue']:,} overdue, {code['declined']:,} declined)",
            f"[bold]{self.missed_chances['counts']['chances']:,} missed chances[/]: written-off or "
            "no-suspect reports in a series where another report has a suspect",
        ]


def justice_summary(
    ctx: Context, inspector: Actor, analyst: Actor, report: InspectionReport
) -> JusticeSummary:
    """The national rape figures of the justice path, and the missed chances; attrition and the
    Victims' Code are the inspection report's own (`report`, built for the whole country)."""
    return JusticeSummary(
        report.attrition["national"],
        outcomes.time_to_charge_figures(ctx, inspector).to_dict()["national"],
        report.compliance["national"],
        outcomes.missed_chance_figures(ctx, analyst).to_dict(),
    )


@dataclass(frozen=True, slots=True)
class DemoResult:
    folder: DemoFolder
    synth: SynthSummary
    imports: dict[str, ImportSummary]
    stats: Stats
    chain: history.HistoryReport
    persons: persons.ResolutionSummary
    link_training: linkage.TrainOutcome
    links: linkage.RunOutcome
    integrity: IntegritySummary
    justice: JusticeSummary


def run_demo(
    ctx: Context,
    folder: DemoFolder,
    *,
    scale: float = 1.0,
    seed: int = 2017,
    workers: int = 0,
    stage: Stage | None = None,
) -> DemoResult:
    """Generate a synthetic year, add one user per role, import it all, and run every analysis.

    ``ctx`` must be on a fresh, initialised database. ``stage`` opens a progress display for
    each step and returns its tick function.
    """

    def open_stage(description: str, total: int | None) -> Callable[[int], None]:
        return stage(description, total) if stage else (lambda done: None)

    # A first run compiles the scorer while it generates and imports, on the core left idle.
    compiling = compile_ahead.start(ctx.taxonomy, ctx.policy, DEMO_LINK_SETTINGS)
    tick = open_stage("generating a national year of synthetic reports", None)
    summary = generate(folder.data, scale=scale, seed=seed, progress=lambda done, _: tick(done))
    for name, role in DEMO_USERS:
        users.add_user(ctx, name, role, demo_password(name), by="demo", home=DEMO_HOMES[name])
    registrar = Actor("nora", Role.REGISTRAR, DEMO_HOMES["nora"])
    imports: dict[str, ImportSummary] = {}
    for kind, path, total in (
        (Kind.REPORTS, summary.reports_csv, summary.reports),
        (Kind.PERSONS, summary.persons_csv, summary.persons),
        (Kind.OFFENDERS, summary.offenders_csv, summary.solved_reports),
        (Kind.JOURNEY, summary.journey_csv, None),
    ):
        tick = open_stage(f"importing {kind.value}", total)
        imports[kind.value] = import_file(
            ctx, registrar, kind, path, workers=workers, progress=tick
        )
    stats = store_counts(ctx, registrar)
    analyst = Actor("ann", Role.ANALYST, DEMO_HOMES["ann"])
    # The history check reads only what the imports stored, so a thread makes it beside person
    # resolution, training and linking, which leave a core mostly idle (DuckDB and the compiled
    # scorer work outside the interpreter's lock). The inspection report cannot: its screen
    # reads the series and the people the linkage finds.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-check") as beside:
        checked = beside.submit(history.verify, ctx)
        open_stage("resolving person records into people (Splink)", None)
        people = persons.resolve(ctx, analyst, truth=summary.person_identities_csv)
        open_stage("training the offence-link model on solved reports", None)
        compiling.wait()
        link_training = linkage.train(ctx, analyst, settings=DEMO_LINK_SETTINGS)
        open_stage("linking offences: candidates, scores, series", None)
        links = linkage.run(ctx, analyst, top=5)
        open_stage(CHECKED_BESIDE, None)
        chain = checked.result()
    open_stage("recording-integrity figures and the inspection report", None)
    inspector = Actor("ian", Role.INSPECTOR, DEMO_HOMES["ian"])
    truth = summary.write_off_validity_csv
    # built once: the summary, the page and the justice path's national figures all read it
    report = build_report(ctx, inspector, truth=truth)
    integrity = summary_of(report)
    write_built(report, folder.report, png=folder.funnel)
    open_stage("the justice path: attrition, time to charge, Victims' Code, missed chances", None)
    justice = justice_summary(ctx, inspector, analyst, report)
    return DemoResult(
        folder, summary, imports, stats, chain, people, link_training, links, integrity, justice
    )
