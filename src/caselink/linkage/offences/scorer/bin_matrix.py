"""Bin matrices of pairs in compiled code, batch by batch, for training and selection.

``PairBinner(frame, features, settings)(i, j)`` is ``features.bin_matrix(features,
EvidenceMaker(frame)(i, j))``: the scorer.bins stages run over every pair (the tests compare the
two).
"""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.evidence import EvidenceMaker
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.jit import compiled
from caselink.linkage.offences.model.features import Bins, Feature
from caselink.linkage.offences.model.link_model import LinkModel
from caselink.linkage.offences.scorer.bins import all_bins, slot_bins
from caselink.linkage.offences.scorer.layout import ModelTables, PairData
from caselink.linkage.offences.scorer.tables import model_tables, pair_data
from caselink.linkage.offences.settings import LinkSettings

Ints = NDArray[np.int64]


@compiled
def _bins_of_pairs(
    pd: PairData, mt: ModelTables, i: Ints, j: Ints, out: NDArray[np.generic], sb: Ints
) -> None:
    for q in range(i.shape[0]):
        all_bins(pd, mt, i[q], j[q], sb)
        for f in range(mt.slot.shape[0]):
            out[q, f] = sb[mt.slot[f]]


class PairBinner:
    """``features.bin_matrix(features, EvidenceMaker(frame)(i, j))`` in compiled code, for
    batch after batch of pairs of one frame: the same bins (tests compare them)."""

    def __init__(
        self, frame: ReportFrame, features: Sequence[Feature], settings: LinkSettings
    ) -> None:
        # a model whose weights are all zero: only its features' bins are wanted
        model = LinkModel(
            family="bins",
            features=tuple(features),
            weights=tuple((0.0,) * f.n_bins for f in features),
            offset=0.0,
            prior_log_odds=0.0,
            settings=settings,
        )
        maker = EvidenceMaker(frame, model.domains(), model.attributes())
        self._pd = pair_data(frame, maker, np.arange(frame.n, dtype=np.int64))
        self._mt = model_tables(model, frame, self._pd)
        self._dtype = np.uint8 if all(f.n_bins <= 256 for f in features) else np.int16
        self._threads = max(1, settings.threads)

    def __call__(self, i: Ints, j: Ints) -> Bins:
        i = np.ascontiguousarray(i, dtype=np.int64)
        j = np.ascontiguousarray(j, dtype=np.int64)
        out = np.zeros((i.shape[0], self._mt.slot.shape[0]), dtype=self._dtype)
        step = max(1, -(-i.shape[0] // self._threads))

        def work(start: int) -> None:
            end = min(start + step, i.shape[0])
            sb = slot_bins(self._mt)
            _bins_of_pairs(self._pd, self._mt, i[start:end], j[start:end], out[start:end], sb)

        with ThreadPoolExecutor(max_workers=self._threads) as pool:
            list(pool.map(work, range(0, i.shape[0], step)))
        return out
