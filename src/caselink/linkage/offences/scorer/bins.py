"""Each pair's evidence as the bins of a model's features, computed in compiled code.

Evidence follows evidence.py and model/features.py formula for formula, always with the lower row of
the pair first as the array path does, so a pair gets the same bins whichever of its reports
asks. Floating-point functions (sine, arc sine, power) come from the compiled maths library
rather than numpy's, and may differ in the last bit; a bin can only change if some evidence
falls within that bit of a bin edge.

Evidence goes straight into bins, one per evidence slot (scorer.layout), read from the reports'
records (``PairData``) and the model's tables (``ModelTables``), both built by scorer.tables;
the behaviour similarities come from tables of (shared, union) made by ``Feature.bins`` itself,
so they are the bins of the array path.

The bins come in stages (``code_bins`` and those after it), so that a scorer can stop once a
pair cannot reach the score it needs: the offender description, relationship and attributes,
the behaviours, the time of day, the time apart, the day of the week, and the distance, whose
bin the scorer mostly takes from the chord between the places instead (scorer.bounds holds the
bounds the scorer checks between the stages; scorer.top_pairs says in which order).
``scorer.bin_matrix.PairBinner`` bins batches of pairs for training (tests compare it with
``features.bin_matrix``).
"""

import math

import numpy as np

from caselink.linkage.offences.evidence import band_overlap, code_match, popcount
from caselink.linkage.offences.geometry import pair_km
from caselink.linkage.offences.jit import compiled, inlined
from caselink.linkage.offences.scorer.layout import (
    C_BUILD,
    C_DOMAINS,
    C_ETHNIC,
    C_REL,
    C_ROW,
    C_SEX,
    C_SUSPECT,
    C_TOTAL,
    R_AGE_HI,
    R_AGE_LO,
    R_HEIGHT_HI,
    R_HEIGHT_LO,
    R_HI,
    R_LAT,
    R_LO,
    R_X,
    R_Y,
    SLOT_AGE,
    SLOT_BUILD,
    SLOT_DIST,
    SLOT_DOMAINS,
    SLOT_DOW,
    SLOT_ETHNIC,
    SLOT_HEIGHT,
    SLOT_JACCARD,
    SLOT_PERSON,
    SLOT_REL,
    SLOT_SEX,
    SLOT_TIME,
    SLOT_TOD,
    Floats,
    Ints,
    ModelTables,
    PairData,
)
from caselink.linkage.offences.time_gaps import circular_apart, time_apart

# -- evidence, as evidence.py computes it, straight into bins -------------------------------


@inlined
def _numeric_bin(edges: Floats, first: int, last: int, value: float) -> int:
    # as features.py: 0 unknown, else 1 + the number of edges[first:last] at or below the value
    if math.isnan(value):
        return 0
    b = 1
    for e in range(first, last):
        if edges[e] <= value:
            b += 1
    return b


@inlined
def _similarity_bin(
    table: Ints, start: Ints, stride: Ints, s: int, shared: int, ca: int, cb: int
) -> int:
    # the Jaccard bin of two sets of ca and cb codes sharing ``shared``, from slot s's table,
    # which covers every pair of sets of the frame (0 where no feature takes the slot).
    # Unknown (0) if either set is empty.
    width = stride[s]
    if ca <= 0 or cb <= 0 or width == 0:
        return 0
    return int(table[start[s] + shared * width + ca + cb - shared])


@inlined
def description_bins(pd: PairData, a: int, b: int) -> tuple[int, int, int, int, int]:
    """The bins of the offender description slots (SLOT_SEX to SLOT_ETHNIC) of the pair (a, b):
    sex, age band, height band, build and ethnic appearance, each 0 unknown, 1 different, 2 the
    same."""
    ra, rb, ca, cb = pd.reals[a], pd.reals[b], pd.codes[a], pd.codes[b]
    return (
        code_match(ca[C_SEX], cb[C_SEX]) + 1,
        band_overlap(ra[R_AGE_LO], ra[R_AGE_HI], rb[R_AGE_LO], rb[R_AGE_HI]) + 1,
        band_overlap(ra[R_HEIGHT_LO], ra[R_HEIGHT_HI], rb[R_HEIGHT_LO], rb[R_HEIGHT_HI]) + 1,
        code_match(ca[C_BUILD], cb[C_BUILD]) + 1,
        code_match(ca[C_ETHNIC], cb[C_ETHNIC]) + 1,
    )


@inlined
def code_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    """STAGE_CODES of the pair (a, b) into sb, by evidence slot, ``a`` the lower row
    (``pair_order``): the offender description, relationship, same person and attributes. The
    functions of the other stages that follow take the same arguments."""
    sex, age, height, build, ethnic = description_bins(pd, a, b)
    sb[SLOT_SEX] = sex
    sb[SLOT_AGE] = age
    sb[SLOT_HEIGHT] = height
    sb[SLOT_BUILD] = build
    sb[SLOT_ETHNIC] = ethnic
    ca, cb = pd.codes[a], pd.codes[b]
    la, lb = ca[C_REL], cb[C_REL]
    known = la >= 0 and lb >= 0
    sb[SLOT_REL] = mt.level_bins[min(la, lb) * pd.n_levels + max(la, lb)] if known else 0
    sb[SLOT_PERSON] = person_bin(pd, a, b)
    first_attribute = SLOT_DOMAINS + pd.domain_start.shape[0] - 1
    for t in range(pd.attr_start.shape[0] - 1):
        sb[first_attribute + t] = attribute_bin(pd, a, b, t)


@inlined
def person_bin(pd: PairData, a: int, b: int) -> int:
    """The same person named as suspect in both: 0 unknown (no resolution, or a report naming
    no suspect), 1 no, 2 yes."""
    ca, cb = pd.codes[a], pd.codes[b]
    if not (pd.persons and ca[C_SUSPECT] and cb[C_SUSPECT]):
        return 0
    p, q = pd.entity_start[a], pd.entity_start[b]
    while p < pd.entity_start[a + 1] and q < pd.entity_start[b + 1]:
        if pd.entities[p] == pd.entities[q]:
            return 2
        if pd.entities[p] < pd.entities[q]:
            p += 1
        else:
            q += 1
    return 1


@inlined
def attribute_bin(pd: PairData, a: int, b: int, t: int) -> int:
    """Attribute t of the pair: 0 unknown on either side, 1 no code shared, 2 a code shared.
    Without a branch on the codes; where every attribute takes one word, a word each is read
    from ``attr_words``, one small row, rather than looped over in ``words``."""
    if pd.attr_words.shape[1] == pd.attr_start.shape[0] - 1:
        xa, xb = pd.attr_words[a, t], pd.attr_words[b, t]
        return int((xa != 0) * (xb != 0) * (1 + ((xa & xb) != 0)))
    wa, wb = pd.words[a], pd.words[b]
    known_a = known_b = same = 0
    for w in range(pd.attr_start[t], pd.attr_start[t + 1]):
        known_a |= wa[w] != 0
        known_b |= wb[w] != 0
        same |= (wa[w] & wb[w]) != 0
    return known_a * known_b * (1 + same)


@inlined
def behaviour_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    # the Jaccard similarity of all behaviours and of each domain's, from the tables (there is
    # no slower path to fall back on: compiled into the scorer, even one never taken slows
    # every pair down)
    wa, wb, ca, cb = pd.words[a], pd.words[b], pd.codes[a], pd.codes[b]
    shared = 0
    for w in range(pd.n_bits):
        shared += popcount(wa[w] & wb[w])
    table, start, stride = mt.jaccard_bins, mt.jaccard_start, mt.jaccard_stride
    sb[SLOT_JACCARD] = _similarity_bin(
        table, start, stride, SLOT_JACCARD, shared, ca[C_TOTAL], cb[C_TOTAL]
    )
    for d in range(pd.domain_start.shape[0] - 1):
        shared = 0
        for w in range(pd.domain_start[d], pd.domain_start[d + 1]):
            shared += popcount(wa[w] & wb[w])
        s = SLOT_DOMAINS + d
        sb[s] = _similarity_bin(
            table, start, stride, s, shared, ca[C_DOMAINS + d], cb[C_DOMAINS + d]
        )


@inlined
def day_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    # the time of day
    edges, at = mt.edges, mt.edge_start
    la, ha, lb, hb = pd.local_lo[a], pd.local_hi[a], pd.local_lo[b], pd.local_hi[b]
    tod = circular_apart(la, ha, lb, hb, 24.0)
    sb[SLOT_TOD] = _numeric_bin(edges, at[SLOT_TOD], at[SLOT_TOD + 1], tod)


@inlined
def week_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    # the day of the week
    edges, at = mt.edges, mt.edge_start
    la, ha, lb, hb = pd.local_lo[a], pd.local_hi[a], pd.local_lo[b], pd.local_hi[b]
    dow = circular_apart(la, ha, lb, hb, 168.0) / 24.0
    sb[SLOT_DOW] = _numeric_bin(edges, at[SLOT_DOW], at[SLOT_DOW + 1], dow)


@inlined
def time_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    # the time apart
    ra, rb = pd.reals[a], pd.reals[b]
    time = time_apart(ra[R_LO], ra[R_HI], rb[R_LO], rb[R_HI])
    at = mt.edge_start
    sb[SLOT_TIME] = _numeric_bin(mt.edges, at[SLOT_TIME], at[SLOT_TIME + 1], time)


@inlined
def distance_bin(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    ra, rb = pd.reals[a], pd.reals[b]
    dist = pair_km(ra[R_LAT], pd.lon[a], rb[R_LAT], pd.lon[b], ra[R_X], ra[R_Y], rb[R_X], rb[R_Y])
    at = mt.edge_start
    sb[SLOT_DIST] = _numeric_bin(mt.edges, at[SLOT_DIST], at[SLOT_DIST + 1], dist)


@compiled
def all_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    """Every bin of the pair (a, b) into sb."""
    code_bins(pd, mt, a, b, sb)
    behaviour_bins(pd, mt, a, b, sb)
    day_bins(pd, mt, a, b, sb)
    time_bins(pd, mt, a, b, sb)
    week_bins(pd, mt, a, b, sb)
    distance_bin(pd, mt, a, b, sb)


@inlined
def bins_score(mt: ModelTables, sb: Ints) -> float:
    """The score of a pair from all its bins: the offset, then each feature's weight in feature
    order, as ``LinkModel.score_bins`` adds them."""
    total = mt.offset
    for f in range(mt.slot.shape[0]):
        total += mt.weights[mt.weight_start[f] + sb[mt.slot[f]]]
    return total


@inlined
def pair_order(pd: PairData, i: int, j: int) -> tuple[int, int]:
    """Rows i and j with the lower row of the caller's frame first, the order evidence takes."""
    return (i, j) if pd.codes[i, C_ROW] < pd.codes[j, C_ROW] else (j, i)


def slot_bins(mt: ModelTables) -> Ints:
    """A working array for one pair's bins, by evidence slot."""
    return np.zeros(mt.edge_start.shape[0] - 1, np.int64)
