"""Writing CSV files that are safe to open in a spreadsheet (OWASP, "CSV injection").

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula, and a formula can run commands or send the sheet's contents elsewhere.
Every CSV file caselink writes (the rejects file of an import, the person export, the journey
file, the synthetic dataset) goes through ``safe_cell`` here: such a cell is written with a
single quote in front, which spreadsheets show as text and do not display. A cell that is
plainly a negative number (``-0.52``, ``-3``, ``-1.5e-05``) is left as it is: a spreadsheet
reads it as that number, it can call nothing, and a longitude in a rejects file stays a number
that imports again; so is a lone ``-`` or ``+`` (a dash written for "none" stays a dash).
Leading spaces do not hide a formula: `` =1+2`` is quoted too.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.compute as pc

from caselink.domain.values import FORMULA_STARTS

# The full-width forms too: some spreadsheets read them as the ASCII characters.
TRIGGERS = frozenset(FORMULA_STARTS | set("＝＋－＠"))
# A negative number, or a lone sign (a dash standing for "none"): neither can call anything.
_NEGATIVE_NUMBER = r"(?:-[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|[-+])"
_NUMBER = re.compile(_NEGATIVE_NUMBER + r"\Z")
QUOTE = "'"


def safe_cell(value: object) -> str:
    """The cell as text a spreadsheet will not run: quoted when it would start a formula."""
    text = "" if value is None else str(value)
    if not text:
        return text
    first = text[0] if text[0] != " " else text.lstrip(" ")[:1]
    if first in TRIGGERS and first and not _NUMBER.match(text):
        return QUOTE + text
    return text


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through ``safe_cell``."""

    __slots__ = ("_writer",)

    def __init__(self, handle: TextIO) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(c) for c in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: TextIO) -> SafeWriter:
    """A CSV writer for ``handle`` that writes no cell a spreadsheet would run."""
    return SafeWriter(handle)


def safe_text_column(values: pa.Array) -> pa.Array:
    """An Arrow string column with ``safe_cell`` applied to every value (nulls kept), for files
    written by pyarrow; unchanged (the same array) when no value needs it."""
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        return values
    first = pc.utf8_slice_codeunits(pc.utf8_ltrim(values, characters=" "), 0, 1)
    risky = pc.is_in(first, value_set=pa.array(sorted(TRIGGERS), type=values.type))
    if not pc.any(risky).as_py():
        return values
    number = pc.match_substring_regex(values, "^" + _NEGATIVE_NUMBER + "$")
    risky = pc.fill_null(pc.and_(risky, pc.invert(number)), False)
    quoted = pc.binary_join_element_wise(pa.scalar(QUOTE, values.type), values, "")
    return pc.if_else(risky, quoted, values)
