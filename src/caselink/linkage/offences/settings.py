"""The settings of a linkage run: which pairs are compared and how the model is fitted.

One frozen value travels through candidates, evidence, training and scoring, and is written
into every saved model, so a stored score can always be traced to the rule that produced it.
"""

from dataclasses import asdict, dataclass
from typing import Any, Literal

Family = Literal["auto", "naive_bayes", "logistic"]
UnplacedRule = Literal["same_force", "same_area"]


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """How pairs are chosen and models fitted; every field has a safe default.

    ``max_days`` and ``max_km`` bound the candidate pairs (time gap between the two offence
    windows, and distance). A pair whose place cannot be compared (one or both reports without
    coordinates in a shared system) is compared when the time rule holds and both reports are of
    the same force (``unplaced_rule="same_force"``), or share an area code when both have one
    (``"same_area"``: same force, and same area code when both have one). ``shrinkage`` is the
    shape of the Gamma prior that pulls each naive-Bayes bin's Bayes factor toward 1 (in
    pseudo-counts of linked pairs). ``family`` picks the model ("auto" chooses by
    cross-validation on the training reports).
    """

    max_days: float = 365.0
    max_km: float = 50.0
    unplaced_rule: UnplacedRule = "same_force"
    shrinkage: float = 2.0
    family: Family = "auto"
    logistic_c: float = 0.5
    max_unlinked_pairs: int = 400_000  # logistic regression sees a weighted sample beyond this
    max_training_pairs: int = 4_000_000  # unlinked training pairs held; beyond, a weighted sample
    selection_folds: int = 3
    # selection tests whole offender groups of the first folds until they hold this many solved
    # reports, not every report
    selection_test_reports: int = 15_000
    seed: int = 0
    batch_pairs: int = 1_000_000  # pairs scored at a time, which bounds memory when streaming
    threads: int = 2  # batches scored at once (numpy releases the interpreter lock)
    duckdb_memory_mb: int = 1024  # DuckDB's memory limit while it joins candidate cells

    def __post_init__(self) -> None:
        if not self.max_days >= 0:
            raise ValueError("max_days must be zero or more")
        if not self.max_km > 0:
            raise ValueError("max_km must be positive")
        if not self.shrinkage >= 0:
            raise ValueError("shrinkage must be zero or more")
        if self.family not in ("auto", "naive_bayes", "logistic"):
            raise ValueError(f"unknown model family {self.family!r}")
        if self.unplaced_rule not in ("same_force", "same_area"):
            raise ValueError(f"unknown unplaced rule {self.unplaced_rule!r}")
        if self.selection_folds < 2:
            raise ValueError("selection_folds must be at least 2")
        if self.selection_test_reports < 1:
            raise ValueError("selection_test_reports must be at least 1")
        if self.duckdb_memory_mb < 64:
            raise ValueError("duckdb_memory_mb must be at least 64")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if self.max_training_pairs < 1000:
            raise ValueError("max_training_pairs must be at least 1000")
        if self.batch_pairs < 1000:
            raise ValueError("batch_pairs must be at least 1000")

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON-ready values (what a saved model records)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LinkSettings":
        """Settings back from ``to_dict``; unknown keys are refused so a typo cannot pass."""
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown link settings: {', '.join(sorted(unknown))}")
        return cls(**data)
