"""The journey as it is built: every report's steps, gathered by kind, then sorted into one table.

Steps are gathered as numpy columns (report row, kind, time, a small code the figures read);
their JSON details and their actors are indices into dictionaries of text, so sorting the
steps into report and time order moves integers only, and the CSV writer decodes the text as
it writes. No Python runs per step. The step kinds, their details and the order rules are
those of the caselink journey CSV (``journey.csv``: ``force,reference,step,at,actor,details``).
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caselink.synth.writer import Column, Labelled

# In the order a tie in time is written: a step never precedes one it depends on.
KINDS = (
    "attended",
    "needs_assessed",
    "referral",
    "updates_declined",
    "suspect_identified",
    "arrested",
    "interviewed",
    "released",
    "file_to_cps",
    "cps_decision",
    "charged",
    "no_further_action",
    "outcome",
    "vrr_requested",
    "vrr_decided",
    "reopened",
    "first_hearing",
    "verdict",
    "victim_updated",
)
KIND = {name: i for i, name in enumerate(KINDS)}
# What may follow an outcome until the report is reopened.
_FOLLOWERS = ("outcome", "victim_updated", "vrr_requested", "vrr_decided", "reopened")
AFTER_OUTCOME = frozenset(KIND[k] for k in (*_FOLLOWERS, "first_hearing", "verdict"))
EMPTY = "{}"
# Who records a step: the officer in charge, the attending officer, or the Crown Prosecution
# Service.
OIC, ATTENDING, CPS = range(3)
CPS_ACTOR = "CPS"

_NEVER = np.datetime64("9999-12-31T00:00:00", "s")


def details_json(fields: Mapping[str, str]) -> str:
    """One step's details as compact JSON (strings only, keys in the given order)."""
    return json.dumps(dict(fields), ensure_ascii=False, separators=(",", ":"))


def labels(key: str, values: Sequence[str]) -> list[str]:
    """The JSON details ``{key: value}`` for each value, for a ``Labelled`` details column."""
    return [details_json({key: v}) for v in values]


def json_field(key: str, values: pa.Array) -> pa.Array:
    """``"key":"value"`` per row (null where the value is null), to be joined into details.

    The values are identifiers and times the generator makes, which need no JSON escaping.
    """
    return pc.binary_join_element_wise(f'"{key}":"', values, '"', "")


def iso_z(values: np.ndarray) -> pa.Array:
    """ISO 8601 UTC times with a Z ("2017-04-01T23:15:00Z"), null for NaT."""
    stamps = pa.array(values.astype("datetime64[s]"), mask=np.isnat(values))
    text = pc.binary_replace_slice(pc.cast(stamps, pa.string()), 10, 11, "T")
    return pc.binary_replace_slice(text, 19, 19, "Z")


def _encoded(indices: np.ndarray, dictionary: pa.Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), dictionary)


@dataclass(frozen=True, slots=True)
class StepTable:
    """Every step, sorted by report (row of ``reports.csv``), time, and kind order at ties.

    ``code`` is a per-kind number the figures read: the outcome type, the referral's
    ``service * 10 + answer``, the decision a victim was told of; -1 otherwise. ``actor`` and
    ``details`` are dictionary-encoded text.
    """

    report: np.ndarray
    kind: np.ndarray
    at: np.ndarray
    code: np.ndarray
    actor: pa.DictionaryArray
    details: pa.DictionaryArray

    def __len__(self) -> int:
        return len(self.report)

    def first(self, kind: str, n_reports: int) -> np.ndarray:
        """Per report, the time of its first step of ``kind`` (NaT when it has none)."""
        rows = self.kind == KIND[kind]
        out = np.full(n_reports, _NEVER)
        np.minimum.at(out, self.report[rows], self.at[rows])
        return np.where(out == _NEVER, np.datetime64("NaT", "s"), out)

    def has(self, kind: str, n_reports: int) -> np.ndarray:
        """Per report, whether it has a step of ``kind``."""
        return np.bincount(self.report[self.kind == KIND[kind]], minlength=n_reports) > 0

    def columns(
        self, force: np.ndarray, references: pa.Array, forces: Sequence[str]
    ) -> dict[str, Column]:
        """The columns of ``journey.csv`` in order, ready for the writer."""
        return {
            "force": _encoded(force[self.report], pa.array(forces, pa.string())),
            "reference": _encoded(self.report, references),
            "step": _encoded(self.kind, pa.array(KINDS)),
            "at": iso_z(self.at),
            "actor": self.actor,
            "details": self.details,
        }


class Steps:
    """Steps gathered kind by kind; those past ``as_at`` (the data's end) are left out."""

    def __init__(self, n_reports: int, as_at: np.datetime64) -> None:
        self.n_reports = n_reports
        self.as_at = as_at
        self._kind: list[int] = []
        self._report: list[np.ndarray] = []
        self._at: list[np.ndarray] = []
        self._code: list[np.ndarray] = []
        self._actor: list[np.ndarray] = []
        self._details: list[np.ndarray] = []  # indices into the texts gathered so far
        self._texts: list[pa.Array] = []
        self._n_texts = 0

    def _text(self, texts: pa.Array) -> int:
        # Gather the texts; the offset of the first is what indices into them start from.
        offset = self._n_texts
        self._texts.append(texts)
        self._n_texts += len(texts)
        return offset

    def add(
        self,
        kind: str,
        rows: np.ndarray,
        at: np.ndarray,
        *,
        details: Labelled | pa.Array | str = EMPTY,
        code: np.ndarray | int = -1,
        actor: np.ndarray | int = OIC,
    ) -> None:
        """Add one step of ``kind`` for each report in ``rows`` at ``at`` (NaT: no step).

        ``details`` is one text for all, a ``Labelled`` column or a text per row; ``actor`` is
        OIC, ATTENDING or CPS (one for all, or per row).
        """
        keep = ~np.isnat(at) & (at <= self.as_at)
        n = int(keep.sum())
        if n == 0:
            return
        self._kind.append(KIND[kind])
        self._report.append(rows[keep].astype(np.int64))
        self._at.append(at[keep].astype("datetime64[s]"))
        self._code.append(np.broadcast_to(np.asarray(code, dtype=np.int16), len(rows))[keep])
        self._actor.append(np.broadcast_to(np.asarray(actor, dtype=np.int8), len(rows))[keep])
        if isinstance(details, str):
            self._details.append(np.full(n, self._text(pa.array([details]))))
        elif isinstance(details, Labelled):
            offset = self._text(pa.array(list(details.labels), pa.string()))
            self._details.append(offset + details.codes[keep].astype(np.int64))
        else:
            offset = self._text(details.filter(pa.array(keep)))
            self._details.append(offset + np.arange(n))

    def of_kinds(self, kinds: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The steps of the given kinds so far: report rows, index into ``kinds``, times."""
        wanted = [KIND[k] for k in kinds]
        picked = [i for i, k in enumerate(self._kind) if k in wanted]
        if not picked:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, "datetime64[s]")
        report = np.concatenate([self._report[i] for i in picked])
        sizes = [len(self._report[i]) for i in picked]
        which = np.repeat([wanted.index(self._kind[i]) for i in picked], sizes)
        at = np.concatenate([self._at[i] for i in picked])
        return report, which.astype(np.int64), at

    def drop_after_outcome(self) -> None:
        """Leave out every step that cannot follow its report's outcome (until reopened).

        An outcome closes the crime record: only updates to the victim, the Victims' Right to
        Review, the court's steps and a reopening may come after it.
        """
        closed = np.full(self.n_reports, _NEVER)
        reopened = np.full(self.n_reports, _NEVER)
        for rows, kind, at in zip(self._report, self._kind, self._at, strict=True):
            if kind == KIND["outcome"]:
                np.minimum.at(closed, rows, at)
            elif kind == KIND["reopened"]:
                np.minimum.at(reopened, rows, at)
        for i, (rows, kind, at) in enumerate(zip(self._report, self._kind, self._at, strict=True)):
            if kind in AFTER_OUTCOME:
                continue
            keep = ~((at > closed[rows]) & (at < reopened[rows]))
            if not keep.all():
                self._report[i], self._at[i], self._code[i] = (
                    rows[keep],
                    at[keep],
                    self._code[i][keep],
                )
                self._actor[i], self._details[i] = self._actor[i][keep], self._details[i][keep]

    def table(self, oic: pa.Array, attending: pa.Array) -> StepTable:
        """All steps so far, sorted; ``oic`` and ``attending`` name each report's officers."""
        sizes = [len(r) for r in self._report]
        report = np.concatenate([np.zeros(0, np.int64), *self._report])
        kind = np.repeat(np.array(self._kind, dtype=np.int64), sizes)
        at = np.concatenate([np.zeros(0, "datetime64[s]"), *self._at])
        seconds = (at - at.min()).astype(np.int64) if len(at) else at.astype(np.int64)
        # One integer key (report, then second, then kind order) sorts far faster than lexsort.
        bits = int(seconds.max()).bit_length() if len(at) else 0
        if len(at) and int(report.max()).bit_length() + bits + 5 > 62:
            order = np.lexsort((kind, at, report))
        else:
            order = np.argsort((report << (bits + 5)) | (seconds << 5) | kind, kind="stable")
        n = self.n_reports
        actor = np.concatenate([np.zeros(0, np.int8), *self._actor])[order]
        report = report[order]
        who = np.where(actor == OIC, report, np.where(actor == ATTENDING, n + report, 2 * n))
        names = pa.concat_arrays([oic, attending, pa.array([CPS_ACTOR])])
        texts = pa.concat_arrays(self._texts) if self._texts else pa.array([], pa.string())
        details = np.concatenate([np.zeros(0, np.int64), *self._details])[order]
        return StepTable(
            report=report,
            kind=kind[order].astype(np.int8),
            at=at[order],
            code=np.concatenate([np.zeros(0, np.int16), *self._code])[order],
            actor=_encoded(who, names),
            details=_encoded(details, texts),
        )
