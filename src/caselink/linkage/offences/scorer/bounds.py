"""What a pair's score can be at most, for the scorer that drops pairs before finishing them.

``scorer.bins`` computes a pair's bins stage by stage; the bounds here say, before and between
the stages, how high the score could still go: ``report_gains`` what one report alone rules out
(a report without a time of day gives every pair the weight of an unknown time of day),
``chord_bin`` the distance's bin from the chord between the places (no trigonometry),
``stage_gain`` and ``behaviour_gain`` what a computed stage adds against its best, and
``code_gain`` the same for STAGE_CODES without its bins.
"""

import math

import numpy as np

from caselink.linkage.offences.evidence import popcount
from caselink.linkage.offences.jit import compiled, inlined
from caselink.linkage.offences.scorer.bins import attribute_bin, description_bins, person_bin
from caselink.linkage.offences.scorer.layout import (
    C_BUILD,
    C_DOMAINS,
    C_ETHNIC,
    C_KNOWN,
    C_REL,
    C_SEX,
    C_SUSPECT,
    C_TOTAL,
    CODE_BINS,
    CW_AGE,
    CW_ATTRIBUTES,
    CW_BUILD,
    CW_ETHNIC,
    CW_HEIGHT,
    CW_PERSON,
    CW_SEX,
    N_STAGES,
    R_AGE_HI,
    R_AGE_LO,
    R_HEIGHT_HI,
    R_HEIGHT_LO,
    R_HI,
    R_LAT,
    R_LO,
    R_UX,
    R_UY,
    R_UZ,
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
    STAGE_BEHAVIOURS,
    Codes,
    Floats,
    Ints,
    ModelTables,
    PairData,
)


@inlined
def _similarity_weight(mt: ModelTables, s: int, shared: int, ca: int, cb: int) -> float:
    # the weight of similarity slot s for sets of ca and cb codes sharing ``shared``, from the
    # slot's table by (shared, union)
    first = mt.slot_weight_start[s]
    if first < 0:
        return 0.0  # no feature takes the slot
    if ca <= 0 or cb <= 0:
        return float(mt.weights[first])  # bin 0: unknown
    width = mt.jaccard_stride[s]
    return float(mt.jaccard_weights[mt.jaccard_start[s] + shared * width + ca + cb - shared])


@inlined
def behaviour_gain(pd: PairData, mt: ModelTables, a: int, b: int) -> float:
    """At least what STAGE_BEHAVIOURS adds to the score of the pair (a, b), less the most it
    could add, without the bins: each similarity's weight straight from a table by (shared,
    union). Most pairs share no code of most domains, and a domain sharing nothing weighs the
    same for every pair with the same domains known: ``domain_zero`` sums those weights by the
    C_KNOWN bits of both, and only the domains that share a code are looked up one by one,
    found from the shared codes themselves where each domain's codes are one run of bits
    (``PairData.bit_domain``), rather than every domain tried: most pairs share a code of no
    domain or of one.

    With a domain of more than one word the bound is 0 and the pair goes on to the next stage.
    There is no slower exact path for that case on purpose: compiled into the scorer's loop,
    even a path never taken slows the stage down for every pair."""
    if mt.domain_zero.shape[0] == 0:
        return 0.0
    wa, wb, ca, cb = pd.words[a], pd.words[b], pd.codes[a], pd.codes[b]
    shared = 0
    for w in range(pd.n_bits):
        shared += popcount(wa[w] & wb[w])
    total = _similarity_weight(mt, SLOT_JACCARD, shared, ca[C_TOTAL], cb[C_TOTAL])
    total += mt.domain_zero[ca[C_KNOWN] & cb[C_KNOWN]] - mt.stage_best[STAGE_BEHAVIOURS]
    first = pd.domain_start[0]
    if pd.bit_domain.shape[0] == 0:
        for d in range(pd.domain_start.shape[0] - 1):
            total += _shared_domain(pd, mt, wa[first + d] & wb[first + d], d, ca, cb)
        return min(float(total), 0.0)
    # Most pairs share a code of no domain or of one: the shared codes are scanned for the
    # domains they fall in, one run of bits a domain, rather than every domain tried.
    p, end = 0, pd.bit_domain.shape[0]
    while shared > 0 and p < end:
        w = p >> 6
        x = (wa[w] & wb[w]) >> np.uint64(p & 63)
        if x == 0:
            p = (w + 1) << 6
            continue
        bit = p + popcount((x & (~x + np.uint64(1))) - np.uint64(1))
        d = pd.bit_domain[bit]
        if d < 0:
            p = bit + 1
            continue
        total += _shared_domain(pd, mt, wa[first + d] & wb[first + d], d, ca, cb)
        p = pd.domain_end[d]
    return min(float(total), 0.0)


@inlined
def _shared_domain(
    pd: PairData, mt: ModelTables, both: np.uint64, d: int, ca: Codes, cb: Codes
) -> float:
    # what domain d adds beyond ``domain_zero`` when its codes shared are ``both``
    if both == 0:
        return 0.0
    na, nb = ca[C_DOMAINS + d], cb[C_DOMAINS + d]
    weight = _similarity_weight(mt, SLOT_DOMAINS + d, popcount(both), na, nb)
    return float(weight - mt.shared_zero[d])


@inlined
def code_gain(pd: PairData, mt: ModelTables, a: int, b: int) -> float:
    """What STAGE_CODES adds to the score of the pair (a, b), less the most it could add:
    the stage's weights straight from ``mt.code_weights``, where its bins and ``stage_gain``
    would go through the bins and each feature's slot and table: most pairs stop at this
    stage, so what it costs counts for nearly every pair. The same for (b, a). Without
    a branch on the codes, so the scorer can run it over a tile of pairs (the same person,
    only where persons were resolved, is the exception)."""
    # CODE_BINS weights a slot: the description's five, the same person, then the attributes
    w = mt.code_weights
    sex, age, height, build, ethnic = description_bins(pd, a, b)
    total = mt.code_rest + w[CW_SEX + sex] + w[CW_AGE + age] + w[CW_HEIGHT + height]
    total = total + w[CW_BUILD + build] + w[CW_ETHNIC + ethnic]
    total += w[CW_PERSON + person_bin(pd, a, b)]
    for t in range(pd.attr_start.shape[0] - 1):
        total += w[CW_ATTRIBUTES + CODE_BINS * t + attribute_bin(pd, a, b, t)]
    ca, cb = pd.codes[a], pd.codes[b]
    la, lb = ca[C_REL], cb[C_REL]
    rel = mt.relationship_weights
    pair_code = max(min(la, lb), 0) * pd.n_levels + max(la, lb, 0)  # in range when unknown
    total += rel[pair_code] if min(la, lb) >= 0 else rel[rel.shape[0] - 1]
    return float(total)


@inlined
def stage_gain(mt: ModelTables, stage: int, sb: Ints) -> float:
    """What the features of ``stage`` add to the score, less the most they could add (at most 0)."""
    total = -float(mt.stage_best[stage])
    for p in range(mt.stage_start[stage], mt.stage_start[stage + 1]):
        f = mt.stage_features[p]
        total += mt.weights[mt.weight_start[f] + sb[mt.slot[f]]]
    return total


@compiled
def _known(pd: PairData, s: int, i: int) -> bool:
    # whether report i has the evidence of slot s; without it every pair takes bin 0 (unknown)
    r, c, w = pd.reals[i], pd.codes[i], pd.words[i]
    n_domains = pd.domain_start.shape[0] - 1
    if s == SLOT_DIST:
        return not (math.isnan(r[R_LAT]) and math.isnan(r[R_X]))
    if s == SLOT_TIME:
        return not (math.isnan(r[R_LO]) or math.isnan(r[R_HI]))
    if SLOT_TOD <= s <= SLOT_DOW:
        return not (math.isnan(pd.local_lo[i]) or math.isnan(pd.local_hi[i]))
    if s == SLOT_JACCARD:
        return bool(c[C_TOTAL] > 0)
    if s == SLOT_SEX:
        return bool(c[C_SEX] >= 0)
    if s == SLOT_AGE:
        return not (math.isnan(r[R_AGE_LO]) or math.isnan(r[R_AGE_HI]))
    if s == SLOT_HEIGHT:
        return not (math.isnan(r[R_HEIGHT_LO]) or math.isnan(r[R_HEIGHT_HI]))
    if s == SLOT_BUILD:
        return bool(c[C_BUILD] >= 0)
    if s == SLOT_ETHNIC:
        return bool(c[C_ETHNIC] >= 0)
    if s == SLOT_REL:
        return bool(c[C_REL] >= 0)
    if s == SLOT_PERSON:
        return pd.persons and c[C_SUSPECT] != 0
    if s < SLOT_DOMAINS + n_domains:
        return bool(c[C_DOMAINS + s - SLOT_DOMAINS] > 0)
    t = s - SLOT_DOMAINS - n_domains
    if t < pd.attr_start.shape[0] - 1:
        for k in range(pd.attr_start[t], pd.attr_start[t + 1]):
            if w[k] != 0:
                return True
    return False  # the slot of features the frame cannot give


@compiled
def _report_gains(pd: PairData, mt: ModelTables, out: Floats) -> None:
    for i in range(out.shape[0]):
        for g in range(N_STAGES):
            out[i, g] = -mt.stage_best[g]
        for g in range(N_STAGES):
            for p in range(mt.stage_start[g], mt.stage_start[g + 1]):
                f = mt.stage_features[p]
                first, last = mt.weight_start[f], mt.weight_start[f + 1]
                s = mt.slot[f]
                most = mt.weights[first]  # bin 0: unknown
                if _known(pd, s, i):
                    if s == SLOT_REL:  # the other report's level is all that varies
                        la = pd.codes[i, C_REL]
                        for lb in range(pd.n_levels):
                            b = mt.level_bins[min(la, lb) * pd.n_levels + max(la, lb)]
                            most = max(most, mt.weights[first + b])
                    else:
                        for b in range(first, last):
                            most = max(most, mt.weights[b])
                out[i, g] += most


def report_gains(pd: PairData, mt: ModelTables) -> Floats:
    """For each report and stage, the most the stage's features can add to the score of any
    pair of the report, less the most they add to any pair (so at most 0): a report without a
    time of day, say, gives every pair the weight of an unknown time of day. A pair's score is
    at most the model's best plus the lower of its two reports' gains, stage by stage."""
    out = np.empty((pd.report_id.shape[0], N_STAGES), np.float64)
    _report_gains(pd, mt, out)
    return out


# a squared chord (or grid distance) this close to an edge, relatively, may be on the other
# side of it when the distance is computed with the sine: rounding, at most a few parts in 10^12
_EDGE_MARGIN = 1e-7


@inlined
def chord_bin(reals: Floats, a: int, b: int, chord2: Floats, grid2: Floats) -> tuple[int, bool]:
    """The distance bin of the pair (a, b) from the squared chord between the places (or grid
    distance), without the sine (0 where the places cannot be compared: unknown), and whether
    it is surely the bin ``scorer.bins.distance_bin`` gives: it is, unless the chord is within
    rounding of an edge. The scorer takes it for the pair's bin when sure, and otherwise
    bounds the distance weight by it and its neighbours (``ModelTables.distance_near``)."""
    ra, rb = reals[a], reals[b]
    both_ll = not (math.isnan(ra[R_LAT]) or math.isnan(rb[R_LAT]))
    if not (math.isnan(ra[R_UX]) or math.isnan(rb[R_UX])):
        d2 = (rb[R_UX] - ra[R_UX]) ** 2 + (rb[R_UY] - ra[R_UY]) ** 2
        d2 += (rb[R_UZ] - ra[R_UZ]) ** 2
        edges2 = chord2
    elif not (both_ll or math.isnan(ra[R_X]) or math.isnan(rb[R_X])):
        d2 = (rb[R_X] - ra[R_X]) ** 2 + (rb[R_Y] - ra[R_Y]) ** 2
        edges2 = grid2
    else:
        return 0, True
    b0, sure = 1, True
    for e in range(edges2.shape[0]):
        if edges2[e] <= d2:
            b0 += 1
        if abs(d2 - edges2[e]) <= _EDGE_MARGIN * edges2[e]:
            sure = False
    return b0, sure


@inlined
def chord_cell_of(mt: ModelTables, d2: float) -> int:
    """The cell of the chord (``geometry.chord_cells``) a squared chord between two places
    falls in: the index of ``mt.chord_bins`` and ``mt.chord_gain``."""
    return min(int(math.sqrt(d2) / mt.chord_step), int(mt.chord_bins.shape[0]) - 1)


@inlined
def chord_cell(mt: ModelTables, d2: float) -> int:
    """The distance's bin for a squared chord between two places, from the table of cells of
    the chord: -1 where it is within rounding of an edge (``chord_bin`` then tells)."""
    return int(mt.chord_bins[chord_cell_of(mt, d2)])
