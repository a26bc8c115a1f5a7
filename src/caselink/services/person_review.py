"""Analysts' verdicts on person pairs near a run's threshold: the pairs to judge, each verdict
kept (who, when, why) and what the verdicts measure (docs/persons.md, "Review")."""

from dataclasses import dataclass
from typing import Any

from caselink.domain.errors import InvalidRequest, NotFound
from caselink.domain.roles import Action
from caselink.integrity.intervals import wilson_bounds
from caselink.linkage.persons import MIN_VERDICTS_EACH
from caselink.services.consultation import log_consultation, stated_reason
from caselink.services.context import Actor, Context
from caselink.services.persons import calibration_line, run_or_latest
from caselink.storage.persons.rows import EntityRecord
from caselink.storage.persons.verdicts import PairLabel

VERDICTS = ("same", "different", "unsure")


@dataclass(frozen=True, slots=True)
class ReviewPair:
    """A pair of person records offered for review, side by side, with the comparison that
    decided it: for each comparison the level that held and its match weight (bits)."""

    left: EntityRecord
    right: EntityRecord
    match_probability: float
    match_weight: float
    linked: bool  # whether the run put the two in one entity
    flagged: bool  # inside an entity, yet scored as likelier two people
    comparisons: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        def record(r: EntityRecord) -> dict[str, Any]:
            return {
                "person_id": r.person_id,
                "force": r.force,
                "reference": r.reference,
                "status": r.status,
                "role": r.role,
                "forename": r.forename,
                "surname": r.surname,
                "aliases": r.aliases,
                "date_of_birth": r.dob_as_given,
                "address": r.address,
                "postcode": r.postcode,
                "phone": r.phone,
                "identifiers": r.identifiers,
            }

        return {
            "left": record(self.left),
            "right": record(self.right),
            "match_probability": self.match_probability,
            "match_weight": self.match_weight,
            "linked": self.linked,
            "inside_flagged_entity": self.flagged,
            "comparisons": self.comparisons,
        }


@dataclass(frozen=True, slots=True)
class ReviewView:
    run_id: int
    threshold: float
    pairs: list[ReviewPair]
    remaining: int  # unlabelled pairs of the run's sample, these included

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "threshold": self.threshold,
            "remaining": self.remaining,
            "pairs": [p.to_dict() for p in self.pairs],
        }


def review_sample(
    ctx: Context, actor: Actor, *, why: str, limit: int = 10, run_id: int | None = None
) -> ReviewView:
    """Up to ``limit`` pairs of the run's review sample that nobody has labelled yet, weak
    pairs inside flagged entities first, then nearest the threshold; both records in full
    (analysts only). Reading them consults personal data: logged first (DPA 2018 s.62)."""
    actor.require(Action.LINK)
    stated_reason(why)
    if limit < 1:
        raise InvalidRequest("ask for at least one pair")
    with ctx.db.unit_of_work() as uow:
        run = run_or_latest(uow.persons, run_id)
        labelled = {(x.person_id_l, x.person_id_r) for x in uow.person_verdicts.pair_labels()}
        offered = [
            p
            for p in uow.person_verdicts.review_pairs(run.id)
            if (p["person_id_l"], p["person_id_r"]) not in labelled
        ]
        offered.sort(key=lambda p: not p.get("inside_flagged_entity", False))
        shown = offered[:limit]
        ids = [i for p in shown for i in (p["person_id_l"], p["person_id_r"])]
        records = uow.persons.records_by_id(run.id, ids)
        shown = [p for p in shown if p["person_id_l"] in records and p["person_id_r"] in records]
        if shown:
            log_consultation(
                ctx,
                actor,
                sorted({(records[i].force, records[i].reference) for i in ids if i in records}),
                why=why,
                detail=f"person pairs for review (run {run.id})",
                uow=uow,
            )
        uow.commit()
    pairs = [
        ReviewPair(
            records[p["person_id_l"]],
            records[p["person_id_r"]],
            float(p["match_probability"]),
            float(p["match_weight"]),
            bool(p.get("linked")),
            bool(p.get("inside_flagged_entity")),
            list(p.get("comparisons", [])),
        )
        for p in shown
    ]
    return ReviewView(run.id, run.threshold, pairs, len(offered))


def label_pair(
    ctx: Context,
    actor: Actor,
    person_ids: tuple[int, int],
    verdict: str,
    *,
    reason: str,
    why: str,
) -> PairLabel:
    """Record an analyst's verdict on a pair of person records: ``same``, ``different`` or
    ``unsure``, with the reason (required). Appended, never changed; the latest verdict on a
    pair counts. Every later run keeps a pair labelled different in two entities and one
    labelled the same in one. Logged with the two records' reports."""
    actor.require(Action.LINK)
    stated_reason(why)
    verdict = verdict.strip().lower()
    if verdict not in VERDICTS:
        raise InvalidRequest(f"the verdict is one of {', '.join(VERDICTS)}, not {verdict!r}")
    if not reason or not reason.strip():
        raise InvalidRequest("say why you judge the pair so (the reason is kept with the label)")
    a, b = sorted(int(x) for x in person_ids)
    if a == b:
        raise InvalidRequest("a pair needs two different person records")
    now = ctx.clock()
    with ctx.db.unit_of_work() as uow:
        run = uow.persons.latest_run()
        records = uow.persons.records_by_id(run.id if run else None, [a, b])
        missing = [x for x in (a, b) if x not in records]
        if missing:
            raise NotFound(f"no person record {missing[0]}")
        offered = {
            (p["person_id_l"], p["person_id_r"]): p
            for p in (uow.person_verdicts.review_pairs(run.id) if run else [])
        }
        pair = offered.get((a, b))
        linked = None
        if run is not None:
            entity = uow.persons.entities_of(run.id, [a, b])
            linked = a in entity and entity.get(a) == entity.get(b)
        uow.person_verdicts.add_pair_label(
            person_ids=(a, b),
            verdict=verdict,
            reason=reason.strip(),
            labelled_by=actor.name,
            labelled_at=now,
            run_id=run.id if run else None,
            match_probability=None if pair is None else float(pair["match_probability"]),
            linked=linked,
        )
        log_consultation(
            ctx,
            actor,
            sorted({(records[x].force, records[x].reference) for x in (a, b)}),
            why=why,
            detail=f"person records {a} and {b} labelled {verdict}",
            uow=uow,
        )
        uow.commit()
    return PairLabel(
        a,
        b,
        verdict,
        reason.strip(),
        actor.name,
        now,
        run.id if run else None,
        None if pair is None else float(pair["match_probability"]),
        linked,
    )


def label_figures(ctx: Context, actor: Actor) -> dict[str, Any]:
    """What the analysts' verdicts say of the runs that offered the pairs: pairwise precision
    (of the labelled pairs the run linked, the share labelled the same) and recall (of those
    labelled the same, the share the run linked), with 95% Wilson intervals. The pairs were
    drawn near the threshold, where the model is least sure, so these bound the figures of
    the whole run from below rather than estimate them. Unsure verdicts are counted apart."""
    actor.require(Action.LINK)
    with ctx.db.reader() as uow:
        labels = uow.person_verdicts.pair_labels()
        run = uow.persons.latest_run()
    calibration = None if run is None else run.figures.get("calibration")
    decided = [x for x in labels if x.verdict != "unsure" and x.linked is not None]
    linked = [x for x in decided if x.linked]
    same = [x for x in decided if x.verdict == "same"]
    both = sum(1 for x in linked if x.verdict == "same")
    out: dict[str, Any] = {
        "labels": len(labels),
        "same": sum(1 for x in labels if x.verdict == "same"),
        "different": sum(1 for x in labels if x.verdict == "different"),
        "unsure": sum(1 for x in labels if x.verdict == "unsure"),
        "linked_labelled": len(linked),
        "linked_and_same": both,
        "precision": None,
        "precision_interval": None,
        "recall": None,
        "recall_interval": None,
        # what the latest run's threshold rested on, and whether the verdicts now are enough
        # for the next run to recalibrate (it scores them again with its own model)
        "latest_run_calibration": calibration,
        "latest_run_threshold_from": None if calibration is None else calibration_line(calibration),
        "recalibration": {
            "same": sum(1 for x in labels if x.verdict == "same"),
            "different": sum(1 for x in labels if x.verdict == "different"),
            "needed_of_each": MIN_VERDICTS_EACH,
            "enough": min(
                sum(1 for x in labels if x.verdict == "same"),
                sum(1 for x in labels if x.verdict == "different"),
            )
            >= MIN_VERDICTS_EACH,
        },
    }
    if linked:
        out["precision"] = round(both / len(linked), 6)
        out["precision_interval"] = [round(v, 6) for v in wilson_bounds(both, len(linked))]
    if same:
        out["recall"] = round(both / len(same), 6)
        out["recall_interval"] = [round(v, 6) for v in wilson_bounds(both, len(same))]
    return out
