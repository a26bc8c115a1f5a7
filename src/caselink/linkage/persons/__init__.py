"""Person resolution: which person records are the same human, with Splink.

Independent of offence linkage: it reads person records (``preparation`` makes them
comparable), compares them under one Splink specification (``comparisons``), trains and
clusters (``resolution``), and measures entities against a truth (``evaluation``).
docs/persons.md explains the model and its figures.

Public API::

    PersonModelSpec(threshold=0.95, ...)               how a run trains and scores
    resolve(records, spec, labels=None) -> PersonResolution
    evaluate(entities, truth) -> dict                  pairwise and cluster figures
    model_settings(spec) -> dict                       the untrained Splink settings
    MIN_VERDICTS_EACH                                  analysts' verdicts of each kind needed
                                                       to recalibrate the threshold
"""

from caselink.linkage.persons.calibration import MIN_VERDICTS_EACH
from caselink.linkage.persons.comparisons import PersonModelSpec, model_settings
from caselink.linkage.persons.evaluation import evaluate
from caselink.linkage.persons.resolution import PersonResolution, resolve

__all__ = [
    "MIN_VERDICTS_EACH",
    "PersonModelSpec",
    "PersonResolution",
    "evaluate",
    "model_settings",
    "resolve",
]
