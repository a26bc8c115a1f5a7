"""Reports and journey steps made ready for storage away from the database: converted rows
and event text.

Import prepares them in worker processes (the costly part: building rows and the event
payload), and the process holding the transaction only assigns ids, hashes and writes.
"""

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from caselink.domain.journey import Duty, Step, StepKind, step_document
from caselink.domain.person import Person, person_facts
from caselink.domain.report import Report
from caselink.storage import report_rows
from caselink.storage.bulk import RowConverter, column_converter, sqlite_time_value
from caselink.storage.history.event_log import payload_text
from caselink.storage.journeys import (
    DUTY_COLUMNS,
    MILESTONE_COLUMNS,
    StepText,
    details_text,
    duty_values,
)
from caselink.storage.report_rows import person_key
from caselink.storage.tables import (
    cancellations,
    journey_milestones,
    journey_steps,
    persons,
    reports,
    victim_duties,
)

REPORT_COLUMNS = (*report_rows.REPORT_VALUE_COLUMNS, "source", "source_digest")
CANCELLATION_COLUMNS = tuple(c for c in report_rows.CANCELLATION_VALUE_COLUMNS if c != "report_id")
PERSON_COLUMNS = tuple(c for c in report_rows.PERSON_VALUE_COLUMNS if c != "report_id")


class PreparedReport(NamedTuple):
    """One new report as the database will store it, but for ids, and its RECORDED payload.

    A named tuple, not a dataclass: prepared reports cross from worker processes in bulk, and
    tuples pickle at a fraction of the cost.
    """

    force: str
    reference: str
    digest: str
    report: tuple[Any, ...]  # REPORT_COLUMNS
    cancellations: tuple[tuple[Any, ...], ...]  # CANCELLATION_COLUMNS
    persons: tuple[tuple[Any, ...], ...]  # PERSON_COLUMNS
    payload: str


class PreparedPerson(NamedTuple):
    """A person record to add to a stored report, as the database will store it but for ids,
    and its PERSON_ADDED payload (see PreparedReport)."""

    force: str
    reference: str
    key: str
    row: tuple[Any, ...]  # PERSON_COLUMNS
    payload: str


class PersonPreparer:
    """Prepares person records for one dialect; picklable, so it can run in a worker process."""

    def __init__(self, dialect: str) -> None:
        self._person = RowConverter(persons, PERSON_COLUMNS, dialect)

    def __call__(self, force: str, reference: str, person: Person) -> PreparedPerson:
        key, row = self.row(person)
        return PreparedPerson(force, reference, key, row, payload_text(person_facts(person)))

    def row(self, person: Person) -> tuple[str, tuple[Any, ...]]:
        """A person record's key and its row as stored (PERSON_COLUMNS)."""
        key = person_key(person)
        return key, self._person(tuple(report_rows.person_values(person, 0, key).values())[1:])


class Preparer:
    """Prepares reports for one dialect; picklable, so it can run in a worker process."""

    def __init__(self, dialect: str, source: str) -> None:
        self.dialect, self.source = dialect, source
        self._report = RowConverter(reports, REPORT_COLUMNS, dialect)
        self._cancellation = RowConverter(cancellations, CANCELLATION_COLUMNS, dialect)
        self._persons = PersonPreparer(dialect)

    def __call__(
        self, report: Report, digest: str, origin: Mapping[str, str] | None = None
    ) -> PreparedReport:
        """Rows and event text for a new report; ``origin`` is the source record it came from."""
        row = self._report((*report_rows.report_tuple(report), self.source, digest))
        canc = tuple(
            self._cancellation(tuple(report_rows.cancellation_values(c, 0).values())[1:])
            for c in report.cancellations
        )
        pers = tuple(self._persons.row(p)[1] for p in report.persons)
        return PreparedReport(
            report.force,
            report.reference,
            digest,
            row,
            canc,
            pers,
            payload_text(
                report.recorded_payload(self.source)
                if origin is None
                else report.imported_payload(self.source, origin)
            ),
        )


class StepPreparer:
    """Prepares journey steps, and the milestones and duties derived from them, for one
    dialect; picklable, so it can run in a worker process."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self._at = column_converter(journey_steps, "at", dialect)
        self._milestone = RowConverter(journey_milestones, MILESTONE_COLUMNS, dialect)
        self._duty = RowConverter(victim_duties, DUTY_COLUMNS, dialect)

    def __call__(self, line: int, step: Step, actor: str, digest: str) -> StepText:
        details = details_text(step.details)
        document = step_document_text(step, details)
        return StepText(line, step.kind.value, self._at(step.at), actor, details, digest, document)

    def step_of(self, text: StepText) -> Step:
        """The step whose stored forms these are."""
        at = sqlite_time_value(text.at) if self.dialect == "sqlite" else text.at
        return Step(kind=StepKind(text.kind), at=at, details=json.loads(text.details))

    def milestone(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """A report's milestones (storage.journeys.milestone_values) as stored."""
        return self._milestone(tuple(values[c] for c in MILESTONE_COLUMNS))

    def duty(self, report_id: int, duty: Duty) -> tuple[Any, ...]:
        return self._duty(tuple(duty_values(report_id, duty).values()))


def step_document_text(step: Step, details: str) -> str:
    """``payload_text(step_document(step))``, the step's text in an import event, put together
    from its details' stored text when that holds them in the same order (a file's details
    come sorted, as caselink writes them): a million encodings fewer in a national year."""
    keys = list(step.details)
    if keys != sorted(keys):
        return payload_text(step_document(step))
    # the kind and an ISO time hold nothing JSON escapes
    return f'{{"step":"{step.kind.value}","at":"{step.at.isoformat()}","details":{details}}}'
