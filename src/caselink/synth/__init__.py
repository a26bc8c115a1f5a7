"""The synthetic national dataset: reports, persons and offenders with their ground truth.

``generate`` writes a national year (or more) of rape and other sexual-offence reports in the
caselink CSV format, calibrated to the published Home Office volumes and rape write-off rates,
with repeat offenders, noisy behaviour coding and noisy person records, and the truth beside
them. See docs/synth.md for the model and its limits.
"""

from caselink.synth.generator import SynthSummary, generate

__all__ = ["SynthSummary", "generate"]
