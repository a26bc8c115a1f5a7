"""The caselink CSV format (docs/formats.md): reports.csv, persons.csv and offenders.csv."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from caselink.domain.behaviours import Behaviour, Taxonomy
from caselink.domain.errors import InvalidValue
from caselink.domain.offences import normalise_offence_code
from caselink.domain.person import DateOfBirth, Person, PersonRole
from caselink.domain.report import Cancellation, CancellationState, Report
from caselink.domain.rules.authorisation import needs_authorisation
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.rules.policy import ForcePolicy
from caselink.domain.values import (
    Location,
    OccurredWindow,
    OffenderDescription,
    Relationship,
    Status,
)
from caselink.interchange import cells
from caselink.interchange.rows import (
    CsvRows,
    Parsed,
    ParsingRow,
    Reading,
    RowDigest,
    RowParser,
)

IMPORTED_BY = "import"

REPORT_REQUIRED = {"reference", "force", "reported_at"}
REPORT_COLUMNS = REPORT_REQUIRED | {
    "occurred_from",
    "occurred_to",
    "latitude",
    "longitude",
    "x",
    "y",
    "area_code",
    "offence_code",
    "status",
    "cancellation_code",
    "cancellation_rationale",
    "narrative",
    "decided_at",
    "recording_rationale",
    "cancellation_evidence",
    "cancellation_requested_by",
    "cancellation_requested_at",
    "cancellation_authorised_by",
    "cancellation_authorised_at",
    "complainant_informed_at",
    "offender_sex",
    "offender_age_band",
    "offender_height",
    "offender_build",
    "offender_ethnic_appearance",
    "offender_accent",
    "offender_marks",
    "relationship",
}
PERSON_REQUIRED = {"reference", "force", "role"}
PERSON_COLUMNS = PERSON_REQUIRED | {
    "source_id",
    "forename",
    "surname",
    "aliases",
    "date_of_birth",
    "address",
    "postcode",
    "phone",
    "identifier",
}
OFFENDER_COLUMNS = {"offender_id", "reference", "force"}


@dataclass(frozen=True, slots=True)
class PersonRow:
    force: str
    reference: str
    person: Person


@dataclass(frozen=True, slots=True)
class OffenderRow:
    offender_id: str
    force: str
    reference: str


def read_reports(path: Path, taxonomy: Taxonomy, policy: ForcePolicy) -> Reading[Report]:
    """Read reports.csv: the header is checked now, rows are parsed as they are pulled."""
    rows = CsvRows.open(path)
    rows.check_columns(REPORT_REQUIRED, REPORT_COLUMNS, "mo.")
    return Reading(rows.header, iter(rows), ReportParser(path.name, rows.header, taxonomy, policy))


class ReportParser(RowParser[Report]):
    """Parses one reports.csv record into a Report, or the list of what is wrong with it."""

    def __init__(
        self, file: str, header: tuple[str, ...], taxonomy: Taxonomy, policy: ForcePolicy
    ) -> None:
        super().__init__(file, header)
        self._digest = RowDigest(header)
        self._mo = _MoColumns(header, taxonomy)
        self._policy = policy

    def parse_cells(self, line: int, cells_: tuple[str, ...]) -> Parsed[Report]:
        row = ParsingRow(self.file, line, self.header, cells_)
        report = _report(row, self._mo, self._policy)
        errors = tuple(row.errors)
        return Parsed(line, None if errors else report, errors, self._digest(cells_), cells_)


def _report(row: ParsingRow, mo_columns: _MoColumns, policy: ForcePolicy) -> Report | None:
    reference, force = row.reference(), row.force()
    reported_at = row.get("reported_at", cells.timestamp)
    if reported_at is None and not any(e.column == "reported_at" for e in row.errors):
        row.error("reported_at", "required: the cell is empty")
    occurred = _window(row, reported_at)
    location = _location(row)
    offender = _offender(row)
    relationship = row.enum("relationship", Relationship)
    status = row.enum("status", Status, Status.INCIDENT)
    offence_code = _offence_code(row)
    decided_at = row.get("decided_at", cells.timestamp)
    if decided_at and reported_at and decided_at < reported_at:
        row.error("decided_at", "the recording decision cannot come before the report")
    if decided_at and status is Status.INCIDENT:
        row.error("decided_at", "an incident has no recording decision yet: leave decided_at empty")
    behaviours, attributes = mo_columns.parse(row)
    recording_rationale = row.text("recording_rationale")
    status, cancellation = _recording_state(
        row, status, offence_code, recording_rationale, reported_at, decided_at, policy
    )
    if row.errors or reference is None or force is None or reported_at is None:
        return None
    return Report(
        force=force,
        reference=reference,
        reported_at=reported_at,
        occurred=occurred,
        location=location,
        offence_code=offence_code,
        status=status,
        narrative=row.raw("narrative").strip(),
        recording_rationale=recording_rationale,
        decided_at=decided_at,
        behaviours=behaviours,
        attributes=attributes,
        offender=offender,
        relationship=relationship,
        cancellations=[cancellation] if cancellation else [],
    )


def _window(row: ParsingRow, reported_at: datetime | None) -> OccurredWindow:
    start, end = row.get("occurred_from", cells.timestamp), row.get("occurred_to", cells.timestamp)
    try:
        window = OccurredWindow(start, end)
    except InvalidValue as exc:
        row.error(exc.field, exc.reason)
        return OccurredWindow()
    if start and reported_at and start > reported_at:
        row.error("occurred_from", "the offence cannot have happened after it was reported")
    return window


def _location(row: ParsingRow) -> Location:
    parts = [row.get(c, cells.number) for c in ("latitude", "longitude", "x", "y")]
    try:
        return Location(parts[0], parts[1], parts[2], parts[3], row.text("area_code"))
    except InvalidValue as exc:
        row.error(exc.field.split("/")[0], exc.reason)
        return Location()


def _offender(row: ParsingRow) -> OffenderDescription:
    sex = row.text("offender_sex")
    try:
        return OffenderDescription(
            sex.lower() if sex else None,
            row.text("offender_age_band"),
            row.text("offender_height"),
            row.text("offender_build"),
            row.text("offender_ethnic_appearance"),
            row.text("offender_accent"),
            row.text("offender_marks"),
        )
    except InvalidValue as exc:
        row.error(exc.field, exc.reason)
        return OffenderDescription()


def _offence_code(row: ParsingRow) -> str | None:
    given = row.text("offence_code")
    if given is None:
        return None
    code = normalise_offence_code(given)
    if code is None:
        row.error("offence_code", "not a Home Office offence code (e.g. 19C, 20A, 88E)")
    return code


class _MoColumns:
    """The file's mo.* columns, and what each cell in them means.

    Cells repeat heavily ("gagged|bound" in thousands of rows), so each distinct cell of a
    column is interpreted once and remembered, up to a bound that keeps memory flat.
    """

    _CACHE_LIMIT = 20_000

    def __init__(self, header: tuple[str, ...], taxonomy: Taxonomy) -> None:
        self._columns = [
            (c, c[3:], taxonomy.is_domain(c[3:])) for c in header if c.startswith("mo.")
        ]
        self._taxonomy = taxonomy
        self._known: dict[
            tuple[str, str],
            tuple[tuple[Behaviour, ...], tuple[str, ...], tuple[tuple[str, str], ...]],
        ] = {}

    def _interpret(
        self, name: str, is_domain: bool, cell: str
    ) -> tuple[tuple[Behaviour, ...], tuple[str, ...], tuple[tuple[str, str], ...]]:
        """(behaviours, attribute values, (bad code, reason) pairs) for one cell."""
        given = cells.values(cell)
        if not is_domain:
            return (), tuple(dict.fromkeys(given)), ()
        found: list[Behaviour] = []
        bad: list[tuple[str, str]] = []
        for code in given:
            try:
                found.append(self._taxonomy.behaviour(name, code))
            except InvalidValue as exc:
                bad.append((code, exc.reason))
        return tuple(found), (), tuple(bad)

    def parse(self, row: ParsingRow) -> tuple[frozenset[Behaviour], dict[str, tuple[str, ...]]]:
        behaviours: list[Behaviour] = []
        attributes: dict[str, tuple[str, ...]] = {}
        get = row.cells.get
        known = self._known
        for column, name, is_domain in self._columns:
            cell = get(column, "")
            if not cell:
                continue
            key = (column, cell)
            meaning = known.get(key)
            if meaning is None:
                meaning = self._interpret(name, is_domain, cell)
                if len(known) < self._CACHE_LIMIT:
                    known[key] = meaning
            found, values, bad = meaning
            behaviours.extend(found)
            if values:
                attributes[name] = values
            for code, reason in bad:
                row.error(column, reason, code)
        return frozenset(behaviours), attributes


def _recording_state(
    row: ParsingRow,
    status: Status,
    offence_code: str | None,
    recording_rationale: str | None,
    reported_at: datetime | None,
    decided_at: datetime | None,
    policy: ForcePolicy,
) -> tuple[Status, Cancellation | None]:
    """The status to store and the cancellation, as the file records them (docs/formats.md)."""
    code_text = row.text("cancellation_code")
    if status is Status.CRIME and offence_code is None:
        row.error("offence_code", "a crime must be recorded with its offence code (rule REC-2)")
    if status is Status.N100 and offence_code is not None:
        row.error("offence_code", "an N100 is not recorded under an offence code: leave it empty")
    if not status.is_write_off:
        if code_text is not None:
            row.error(
                "cancellation_code",
                f"given, but the status is {status.value}, not cancelled or transferred",
            )
        return status, None
    if code_text is None:
        row.error("cancellation_code", f"a {status.value} report needs its cancellation code")
        return status, None
    try:
        code = CancellationCode(code_text.upper())
    except ValueError:
        row.error("cancellation_code", "must be C1, C2, C3 or C4")
        return status, None
    if code.is_transfer != (status is Status.TRANSFERRED):
        row.error(
            "cancellation_code", "C1 goes with status transferred; C2, C3 and C4 with cancelled"
        )
    rationale = row.text("cancellation_rationale")
    if rationale is None:
        row.error("cancellation_rationale", f"a {code} needs its rationale")
    was_n100 = offence_code is None
    if was_n100 and recording_rationale is None:
        row.error(
            "offence_code",
            "a cancelled crime needs its offence code "
            "(a cancelled N100 needs its recording_rationale)",
        )
    requested_at = row.get("cancellation_requested_at", cells.timestamp)
    authorised_by = row.text("cancellation_authorised_by")
    authorised_at = row.get("cancellation_authorised_at", cells.timestamp)
    informed_at = row.get("complainant_informed_at", cells.timestamp)
    when = requested_at or authorised_at or decided_at or reported_at
    if rationale is None or when is None:
        return status, None
    pending = authorised_by is None and needs_authorisation(offence_code, was_n100, policy)
    cancellation = Cancellation(
        code=code,
        rationale=rationale,
        evidence=row.text("cancellation_evidence"),
        requested_by=row.text("cancellation_requested_by") or IMPORTED_BY,
        requested_at=when,
        state=CancellationState.PENDING if pending else CancellationState.APPLIED,
        decided_by=authorised_by,
        decided_at=authorised_at if authorised_by else None,
        complainant_informed_at=informed_at,
    )
    if pending:
        # Until a registrar authorises it, the report keeps counting as what it was.
        status = Status.N100 if was_n100 else Status.CRIME
    return status, cancellation


def read_persons(path: Path) -> Reading[PersonRow]:
    """Read persons.csv; whether each person's report exists is the importer's check."""
    rows = CsvRows.open(path)
    rows.check_columns(PERSON_REQUIRED, PERSON_COLUMNS)
    return Reading(rows.header, iter(rows), PersonParser(path.name, rows.header))


class PersonParser(RowParser[PersonRow]):
    def __init__(self, file: str, header: tuple[str, ...]) -> None:
        super().__init__(file, header)
        self._digest = RowDigest(header)

    def parse_cells(self, line: int, cells_: tuple[str, ...]) -> Parsed[PersonRow]:
        row = ParsingRow(self.file, line, self.header, cells_)
        reference, force = row.reference(), row.force()
        role = row.enum("role", PersonRole)
        if role is None and not row.errors:
            row.error("role", "required: complainant, suspect, witness or other")
        dob = row.text("date_of_birth")
        person = None
        if role is not None:
            person = Person(
                role=role,
                forename=row.text("forename"),
                surname=row.text("surname"),
                aliases=cells.values(row.raw("aliases")),
                date_of_birth=DateOfBirth.from_text(dob) if dob else None,
                address=row.text("address"),
                postcode=_postcode(row.text("postcode")),
                phone=row.text("phone"),
                identifiers=cells.values(row.raw("identifier")),
                source_id=row.text("source_id"),
            )
        errors = tuple(row.errors)
        item = (
            PersonRow(force, reference, person)
            if not errors and force and reference and person
            else None
        )
        return Parsed(line, item, errors, self._digest(cells_), cells_)


def _postcode(text: str | None) -> str | None:
    # Kept as recorded apart from case and spacing, which carry no information.
    return " ".join(text.upper().split()) if text else None


def read_offenders(path: Path) -> Reading[OffenderRow]:
    """Read offenders.csv (offender labels of solved reports)."""
    rows = CsvRows.open(path)
    rows.check_columns(OFFENDER_COLUMNS, OFFENDER_COLUMNS)
    return Reading(rows.header, iter(rows), OffenderParser(path.name, rows.header))


class OffenderParser(RowParser[OffenderRow]):
    def __init__(self, file: str, header: tuple[str, ...]) -> None:
        super().__init__(file, header)
        self._digest = RowDigest(header)

    def parse_cells(self, line: int, cells_: tuple[str, ...]) -> Parsed[OffenderRow]:
        row = ParsingRow(self.file, line, self.header, cells_)
        offender_id, reference, force = row.required("offender_id"), row.reference(), row.force()
        errors = tuple(row.errors)
        ok = not errors and offender_id and force and reference
        item = OffenderRow(offender_id, force, reference) if ok else None  # type: ignore[arg-type]
        return Parsed(line, item, errors, self._digest(cells_), cells_)
