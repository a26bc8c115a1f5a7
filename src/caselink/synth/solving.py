"""Which reports name their suspect, and which are solved (their offender known to the force).

Non-stranger complainants usually name the suspect; strangers rarely can, unless the
offender was later identified. Repeat offenders are identified more often than one-off ones
(more chances, more evidence), so most series carry solved members a linkage model can learn
from. The shares are invented, chosen so that about a third of reports are solved.
"""

import numpy as np

from caselink.synth.offence_families import STRANGER
from caselink.synth.offenders import Offenders

IDENTIFIED_REPEAT = 0.7  # of repeat offenders, those the police eventually identify
NAMED_KNOWN = 0.85  # a complainant who knows the offender names them
NAMED_STRANGER_IDENTIFIED = 0.35  # a stranger report names an identified offender later
NAMED_STRANGER = 0.05
SOLVED_IDENTIFIED_REPEAT = 0.85
SOLVED_NAMED = 0.5
SOLVED_UNNAMED = 0.08
MISNAMED = 0.04  # named suspects who are someone else altogether


def name_and_solve(
    offenders: Offenders, relationship: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per report: whether a suspect is named, whether the named person is the wrong one, solved.

    Returns three boolean arrays (named, misnamed, solved). A misnamed suspect is a real person
    who did not commit the offence: person resolution must not merge them with the offender.
    """
    n = len(relationship)
    o = offenders.of_report
    identified = offenders.repeat & (rng.random(offenders.count) < IDENTIFIED_REPEAT)
    ident = identified[o]
    repeat = offenders.repeat[o]
    stranger = relationship == STRANGER
    p_named = np.where(
        stranger, np.where(ident, NAMED_STRANGER_IDENTIFIED, NAMED_STRANGER), NAMED_KNOWN
    )
    named = rng.random(n) < p_named
    misnamed = named & (rng.random(n) < MISNAMED)
    p_solved = np.where(named & ~misnamed, SOLVED_NAMED, SOLVED_UNNAMED)
    p_solved = np.where(ident, SOLVED_IDENTIFIED_REPEAT, np.where(repeat, p_solved * 0.6, p_solved))
    solved = rng.random(n) < p_solved
    return named, misnamed, solved
