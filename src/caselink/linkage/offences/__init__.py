"""Offence linkage: which reports may be the same offender's, with the reasons why.

The engine is pure of the database: it takes Arrow tables (see ``frame`` for the input schema)
and returns Arrow tables and plain values. DuckDB finds candidate pairs; evidence variables are
computed column-wise; a model trained on solved reports (naive Bayes with shrinkage, or
regularised logistic regression, chosen by offender-split cross-validation) turns evidence into
a log Bayes factor per pair with per-feature contributions; series are formed from the scores.
docs/linkage.md describes every variable, the model, the evaluation and the series rule.

Public API::

    LinkSettings(max_days=365, max_km=50, ...)            how pairs are chosen and models fitted
    ReportFrame.from_arrow(reports, persons=None)         check the input once, reuse it
    candidate_pairs(reports, settings) -> Table           report_id_a, report_id_b
    evidence(reports, pairs=None, settings, persons) -> Table
    train(reports, labels, settings=, persons=, feedback=) -> LinkModel
    LinkModel.save / load / to_json / from_json / score(evidence_table)
    score(reports, model, keep_top=, min_score=) -> Table report_id_a, report_id_b, score
    evaluate(reports, labels, folds=5, seed=0) -> dict
    top_links(reports, model, report_id, k=10) -> list[LinkCandidate]
    form_series(scored, threshold) -> Table report_id, series_id
    summarise_series(series, reports) -> Table
    series_for(report_id, scored, series, threshold) -> list[SeriesMatch]
"""

from caselink.linkage.offences.candidates import candidate_pairs
from caselink.linkage.offences.evidence import evidence
from caselink.linkage.offences.explain import LinkCandidate, top_links
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.model.link_model import LinkModel
from caselink.linkage.offences.scoring import score
from caselink.linkage.offences.series import SeriesMatch, form_series, series_for, summarise_series
from caselink.linkage.offences.settings import LinkSettings
from caselink.linkage.offences.training.evaluation import evaluate
from caselink.linkage.offences.training.train import train

__all__ = [
    "LinkCandidate",
    "LinkModel",
    "LinkSettings",
    "ReportFrame",
    "SeriesMatch",
    "candidate_pairs",
    "evaluate",
    "evidence",
    "form_series",
    "score",
    "series_for",
    "summarise_series",
    "top_links",
    "train",
]
