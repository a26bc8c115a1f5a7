"""The evaluation protocol: offender-split cross-validation of the whole training procedure."""

from typing import Any

import pyarrow as pa

from caselink.linkage.offences.candidate_index import in_locality_order
from caselink.linkage.offences.frame import ReportFrame, as_frame
from caselink.linkage.offences.labels import resolve_labels
from caselink.linkage.offences.settings import LinkSettings
from caselink.linkage.offences.training.fitting import FAMILIES
from caselink.linkage.offences.training.pairs import labelled_pairs, model_features, with_feedback
from caselink.linkage.offences.training.selection import KS, choose_family, cross_validate


def evaluate(
    reports: "pa.Table | ReportFrame",
    labels: pa.Table,
    folds: int = 5,
    seed: int = 0,
    *,
    settings: LinkSettings | None = None,
    persons: pa.Table | None = None,
    feedback: pa.Table | None = None,
) -> dict[str, Any]:
    """Cross-validated figures of the link model on solved reports.

    Folds split offender groups (offenders sharing a report stay together), so no offender has
    reports on both sides; each fold's model is fitted on the training folds only. Over the
    test reports, pooled across folds: ``auc`` (linked against unlinked candidate pairs whose
    two reports are both test reports of the same fold) and ``top1``, ``top5``, ``top10``,
    ``top50`` — the share of test reports with at least one linked test report whose best
    linked report ranks within the top k of all its candidates in the test fold (ties count
    against it; a linked report outside the candidate window is a miss). ``n_pairs`` and
    ``n_linked_pairs`` count those test pairs. ``family`` is the family the figures are for:
    ``settings.family``, or under "auto" the one with the best mean of AUC and top-10;
    ``by_family`` has every family's figures and ``fold_of`` maps each labelled report id to
    its fold. Unknown report ids in the labels raise ValueError naming them.
    """
    settings = settings or LinkSettings()
    frame = in_locality_order(as_frame(reports, persons), settings)
    labelled = resolve_labels(frame, labels)
    features = model_features(frame, labelled.rows)
    pairs = with_feedback(
        frame, labelled_pairs(frame, labelled, features, settings), feedback, features
    )
    families = FAMILIES if settings.family == "auto" else (settings.family,)
    cv = cross_validate(frame, labelled, pairs, features, settings, folds, seed, families)
    family = choose_family(cv["by_family"]) if settings.family == "auto" else settings.family
    chosen = cv["by_family"][family]
    return {
        "family": family,
        "auc": chosen["auc"],
        **{f"top{k}": chosen[f"top{k}"] for k in KS},
        "n_pairs": cv["n_pairs"],
        "n_linked_pairs": cv["n_linked_pairs"],
        "n_test_reports": cv["n_test_reports"],
        "n_reports_with_links": cv["n_reports_with_links"],
        "folds": folds,
        "seed": seed,
        "by_family": cv["by_family"],
        "fold_of": cv["fold_of"],
    }
