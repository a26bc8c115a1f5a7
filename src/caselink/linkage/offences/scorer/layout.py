"""How the scorer lays out what it reads: the evidence slots, the stages, and the two records of
arrays a compiled function is handed, ``PairData`` (the reports) and ``ModelTables`` (the model).

Numbering and shapes only, no computation: scorer.tables builds the records, scorer.bins
computes a pair's bins into its slots, scorer.bounds and scorer.top_pairs take them stage by
stage. The words used here are those of the package's glossary (scorer/__init__.py).

Compiled functions take these numbers in as constants, and numba's cache does not notice a
change here: after changing one, delete the caches (see ``jit``).
"""

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.evidence import OFFENDER

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Words = NDArray[np.uint64]
Codes = NDArray[np.int32]

# -- evidence slots: a pair's bins by slot (scorer.bins.slot_bins) -------------------------------

# the numeric evidence and the similarity of all behaviours
SLOT_DIST, SLOT_TIME, SLOT_TOD, SLOT_DOW, SLOT_JACCARD = 0, 1, 2, 3, 4
# the offender description, each bin 0 unknown, 1 different, 2 the same
SLOT_SEX, SLOT_AGE, SLOT_HEIGHT, SLOT_BUILD, SLOT_ETHNIC = 5, 6, 7, 8, 9
DESCRIPTION_SLOTS = (SLOT_SEX, SLOT_AGE, SLOT_HEIGHT, SLOT_BUILD, SLOT_ETHNIC)  # as OFFENDER
SLOT_REL, SLOT_PERSON = 10, 11
# then one slot for each of a model's behaviour domains from SLOT_DOMAINS on, one for each of
# its attributes after those, and last the unknown slot, which stays 0 (scorer.tables)
SLOT_DOMAINS = 12

# the slots whose feature names are fixed; the domains' and attributes' come from the model
FIXED_SLOTS = {
    "distance_km": SLOT_DIST,
    "time_apart_days": SLOT_TIME,
    "time_of_day_hours": SLOT_TOD,
    "day_of_week_days": SLOT_DOW,
    "behaviours_jaccard": SLOT_JACCARD,
    **dict(zip(OFFENDER, DESCRIPTION_SLOTS, strict=True)),
    "relationship": SLOT_REL,
    "same_person": SLOT_PERSON,
}

# -- stages: the groups of slots a scorer computes in turn, checking the bound between them ------

# A scorer takes the stages roughly by how much weight each takes off the bound for what it
# costs (the distance, from the chord, right after the codes). The day of the week is a stage
# of its own, after the time apart: as costly as the time of day, it weighs far less in a
# trained model, so most pairs are dropped before it is computed.
STAGE_CODES, STAGE_BEHAVIOURS, STAGE_DAY, STAGE_TIME, STAGE_WEEK, STAGE_DISTANCE = range(6)
N_STAGES = 6
# the stage of each fixed slot but the codes'; every domain's slot is STAGE_BEHAVIOURS, every
# other slot (description, relationship, same person, attributes, unknown) STAGE_CODES
STAGE_OF_SLOT = {
    SLOT_DIST: STAGE_DISTANCE,
    SLOT_TIME: STAGE_TIME,
    SLOT_TOD: STAGE_DAY,
    SLOT_DOW: STAGE_WEEK,
    SLOT_JACCARD: STAGE_BEHAVIOURS,
}

# -- the reports -------------------------------------------------------------------------------


class PairData(NamedTuple):
    """Per-report facts the evidence of a pair is computed from, one contiguous record per
    report for what every pair reads (a candidate's facts come in a few cache lines rather than
    from twenty arrays), separate arrays for what only pairs scored in full read."""

    words: Words  # (n, bits | domain columns | attribute words)
    codes: Codes  # (n, C_DOMAINS + domains): see the C_ columns
    reals: Floats  # (n, 12): see the R_ columns
    n_bits: int  # behaviour words at the start of ``words``
    domain_start: Ints  # domain d is words[:, domain_start[d]:domain_start[d + 1]]
    attr_start: Ints  # attribute t is words[:, attr_start[t]:attr_start[t + 1]]
    # where no attribute takes more than one word: column t is attribute t's word (0 for one the
    # frame does not have), apart, so the scorer's bound reads one small row; else no columns
    attr_words: Words
    n_levels: int
    persons: bool
    entity_start: Ints  # report i names entities[entity_start[i]:entity_start[i + 1]], sorted
    entities: Ints
    report_id: Ints
    lon: Floats
    local_lo: Floats
    local_hi: Floats
    # behaviour_gain's scan of the shared codes: the domain of each behaviour bit (-1: none
    # chosen) and where each domain's run of bits ends; empty when a domain's codes are not one
    # run of bits or fill more than one word of their own
    bit_domain: Ints
    domain_end: Ints


# columns of PairData.codes; the frame's row orders a pair (its lower row first)
C_ROW, C_TOTAL, C_SEX, C_BUILD, C_ETHNIC, C_REL, C_SUSPECT, C_KNOWN, C_DOMAINS = range(9)
# C_KNOWN: bit d set where the report has codes of behaviour domain d (of the first
# MASK_DOMAINS), so a pair's domains known on both sides are one AND away
MASK_DOMAINS = 12
# columns of PairData.reals; ux, uy, uz: the unit vector of latitude/longitude (NaN: none)
R_LO, R_HI, R_AGE_LO, R_AGE_HI, R_HEIGHT_LO, R_HEIGHT_HI = range(6)
R_LAT, R_UX, R_UY, R_UZ, R_X, R_Y = range(6, 12)

# -- the model ---------------------------------------------------------------------------------

# ModelTables.code_weights holds CODE_BINS weights (bin 0 unknown, 1 differ, 2 same) for each
# slot of CODE_SLOTS in turn, then for each attribute; CW_ is where a slot's weights start
CODE_BINS = 3
CODE_SLOTS = (*DESCRIPTION_SLOTS, SLOT_PERSON)
CW_SEX, CW_AGE, CW_HEIGHT, CW_BUILD, CW_ETHNIC, CW_PERSON, CW_ATTRIBUTES = range(
    0, CODE_BINS * (len(CODE_SLOTS) + 1), CODE_BINS
)


class ModelTables(NamedTuple):
    """A LinkModel as flat arrays. Evidence is computed straight into bins, one per evidence
    slot; feature f takes the bin of slot ``slot[f]`` (the unknown slot, the last, always 0,
    for a feature the frame cannot give) and its weight from ``weights[weight_start[f] + bin]``."""

    slot: Ints
    weight_start: Ints
    weights: Floats
    best: Floats  # the highest weight of each feature
    stage_start: Ints  # the features of stage s are stage_features[stage_start[s]:...[s + 1]]
    stage_features: Ints
    stage_best: Floats  # the sum of their highest weights
    edge_start: Ints  # the edges of numeric slot s are edges[edge_start[s]:edge_start[s + 1]]
    edges: Floats
    jaccard_start: Ints  # similarity slot s: its bins by [shared * stride + union]
    jaccard_stride: Ints  # (0: no feature takes the slot)
    jaccard_bins: Ints
    jaccard_weights: Floats  # the weight of each bin of jaccard_bins, for its slot's feature
    slot_weight_start: Ints  # weight_start of the feature taking each slot (-1: none)
    # with a table for every domain, C_KNOWN for all of them and each domain in one word:
    # domain d's weight when both sets are known and share nothing (shared_zero[d]), and by
    # the C_KNOWN bits of a pair, the sum of every domain's weight when none shares anything
    # (both empty otherwise; see scorer.bounds.behaviour_gain)
    shared_zero: Floats
    domain_zero: Floats
    level_bins: Ints  # the frame's relationship pair code -> the levels feature's bin
    # STAGE_CODES straight to weights (scorer.bounds.code_gain): the weights of the code slots
    # (CW_ above; 0 where no feature takes the slot); of each relationship pair code (the last:
    # unknown); and of the stage's features no slot gives, less the stage's best
    code_weights: Floats
    relationship_weights: Floats
    code_rest: float
    distance: int  # the distance feature (-1: none), whose bound comes from the chord
    chord2_edges: Floats  # its edges as squared chords between unit vectors
    grid2_edges: Floats  # and as squared grid metres
    distance_near: Floats  # by that bin: the highest weight of it and its neighbours
    # the distance's bin by the chord, a cell of ``chord_step`` at a time (bounds.chord_cell):
    # -1 for a cell within rounding of an edge; the last entry for chords past every cell
    chord_bins: NDArray[np.int16]
    chord_step: float
    chord_gain: Floats  # by cell: the most the distance's weight can be, less its best
    offset: float
