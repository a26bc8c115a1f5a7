"""The compiled scorer: each report's best links, found without listing every pair.

Modules: ``layout`` (the slots, stages and the records ``PairData`` and ``ModelTables``),
``tables`` (builds those records from a frame and a model), ``bins`` (a pair's evidence as
bins, stage by stage), ``bounds`` (how high a pair's score can still go), ``top_k_heaps`` (each
report's k best links), ``top_pairs`` (the loop that ties them together) and ``bin_matrix``
(the bins of batches of pairs, for training).

Glossary of the words the kernels use, in the order a pair meets them:

row
    A report's position in the frame the scorer works on, which ``top_pairs`` takes in
    ``candidate_index.locality_order``; ``PairData.codes[:, C_ROW]`` keeps its row in the
    caller's frame, and ``bins.pair_order`` puts the pair's lower such row first, ``a`` before
    ``b``, the order evidence takes.
block
    Up to ``top_pairs._BLOCK`` neighbouring rows of one cell and window class, or a single row
    otherwise (``candidate_index.latlon_blocks``); threads take runs of blocks
    (``top_pairs._best_links``).
slice
    The rows of one group of the candidate index (a cell and window class) whose time window
    can reach a row's or a block's, found by binary search on window start
    (``candidate_index.block_slices``, ``_slice``); a block's pairs are tried against a part of
    a slice, ``top_pairs._CHUNK`` rows, at a time.
tile
    The latitude/longitude pairs of a block and a part of a slice, whose facts all stay in a
    core's cache (``candidate_index.slice_pairs``); ``top_pairs.Work.pair_i`` and the arrays
    beside it hold one tile, and ``top_pairs._reachable`` bounds it without a branch on a pair.
slot
    Where a pair's bin of one kind of evidence goes in its array of bins, ``sb``
    (``bins.slot_bins``): the ``layout.SLOT_`` constants, then one slot per behaviour domain,
    one per attribute, and last the unknown slot, always bin 0, of every feature the frame
    cannot give. Feature f reads slot ``ModelTables.slot[f]``.
bin
    A feature's value class: 0 unknown, then 1 + the edges at or below a numeric value, or 1
    different and 2 the same for a match (``bins.code_bins``); a feature's weight is indexed by
    its bin (``ModelTables.weight_start``).
code slot, code weights
    The slots of the offender description, the same person and the attributes, whose
    ``layout.CODE_BINS`` weights each sit in one row of ``ModelTables.code_weights`` (at the
    ``layout.CW_`` offsets), so ``bounds.code_gain`` goes straight from a match to a weight.
stage
    A group of slots the scorer computes together and then checks the bound
    (``layout.STAGE_``; ``ModelTables.stage_features``): the codes, the behaviours, the time of
    day, the time apart, the day of the week, the distance.
best, top
    ``ModelTables.best`` is each feature's highest weight and ``stage_best`` their sum by
    stage; ``top`` (``top_pairs._top_of_blocks``) is the offset plus every best, the highest
    score any pair could have.
gains
    Each a difference from the best, so at most 0. ``bounds.report_gains`` gives, by report and
    stage, the most the stage can add to any pair of the report less its best (a report with
    no time of day rules out the rest); ``stage_gain``, ``code_gain`` and ``behaviour_gain``
    give what a pair's stage adds less its best (``behaviour_gain`` at least that), and
    ``ModelTables.chord_gain`` the most the distance can add less its best, by chord cell.
bound
    The most a pair's score can still be: ``top`` plus, by stage, the lower of its two reports'
    gains, each stage's share replaced by the pair's own gain once the stage is computed
    (``top_pairs._consider``, ``_reachable``, ``_finish``).
cap
    The share of a stage in the bound before the stage is computed: the lower of the two
    reports' gains for it (``top_pairs``); the pair's own gain replaces it (``bound += gain -
    cap``).
heap
    A report's k best links so far, worst at the root, ties broken by the other report's id
    (``top_k_heaps.Heaps``); each thread keeps heaps of its own, merged at the end
    (``top_k_heaps.merge``), and a sibling's heaps share its bars (``Heaps.sibling``).
link
    An entry of a heap: the other row (32 bits) and the pair's score.
bar
    The score a pair must reach to be of use to a report (``Heaps.bar``): the root of its
    heap once full, or the highest such root any thread has seen; it only rises.
floor
    The score a pair must reach to be of use to either of its reports: the lower of the two
    bars, or ``min_score`` if higher, less ``top_pairs._MARGIN`` for rounding; a pair whose
    bound falls below its floor is dropped.
scored in full
    A pair that passed every stage: all its bins computed (``bins.code_bins`` and the rest), its
    score the model's sum (``bins.bins_score``), and offered to both reports' heaps
    (``top_k_heaps.offer``); ``_consider`` and ``_resume`` return 1 for it.
kept pair
    A pair in the k best of at least one of its reports at the end, listed once, as rows of the
    caller's frame, by ``top_k_heaps.kept_links``.
chord
    The straight line between two places' unit vectors (``PairData.reals`` R_UX..R_UZ): its
    square ``d2`` orders pairs as the great-circle distance does, with no trigonometry, so the
    distance's edges are kept as squared chords (``ModelTables.chord2_edges``; squared grid
    metres, ``grid2_edges``, for places on the grid only).
chord cell
    One of the equal lengths, ``ModelTables.chord_step`` each, the chord is cut into
    (``geometry.chord_cells``): ``chord_bins`` gives the distance's bin by cell (-1 for a cell
    within rounding of an edge) and ``chord_gain`` its most weight (``bounds.chord_cell``,
    ``chord_cell_of``).
near, sure
    In the distance's stage, ``near`` is the distance's bin from the chord and ``sure`` whether
    it is certainly the bin the sine gives (``bounds.chord_bin``); when not sure, the bound takes
    the most weight of that bin and its neighbours (``ModelTables.distance_near``). Elsewhere
    "near" is the near pass: candidates within ``top_pairs._NEAR_KM`` and ``_NEAR_DAYS``, scored
    first to raise the bars, then left out of the full pass (``offered``, ``near_days``,
    ``near_chord2``).
domain zero, shared zero
    A behaviour domain both reports know but share no code of weighs the same for every pair;
    ``ModelTables.domain_zero`` sums those weights by the bits of the domains both know
    (``PairData.codes[:, C_KNOWN]``), ``shared_zero`` holds each, and ``bounds.behaviour_gain``
    looks up only the domains a pair shares a code of.
similarity table
    For the behaviours' slot and each domain's, the feature's bin (``ModelTables.jaccard_bins``)
    and weight (``jaccard_weights``) for every (shared, union) of set sizes, indexed
    ``shared * stride + union`` (``bins._similarity_bin``, ``bounds._similarity_weight``).
level bins
    The relationship feature's bin by the frame's pair code of two relationship levels
    (``ModelTables.level_bins``; its weights by code, ``relationship_weights``).
"""
