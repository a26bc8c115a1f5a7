"""What an import's parsing workers do with a batch of records: parse them, make each valid
report, person record or journey step ready to store, and judge journey rows against the store
as committed when the import says where it is (services.importing writes what they send).

Everything here is picklable: a batch's work is sent to a worker process with its records.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from caselink.domain.rules.policy import ForcePolicy
from caselink.interchange.journey_file import JourneyRow
from caselink.interchange.rows import Record, RowParser
from caselink.services import cycle_collector
from caselink.services.journey import JudgedReport, StepCandidate, judge_steps
from caselink.storage.journeys import StepText
from caselink.storage.prepared import (
    PersonPreparer,
    PreparedPerson,
    PreparedReport,
    Preparer,
    StepPreparer,
)
from caselink.storage.unit_of_work import Database


class Ready(NamedTuple):
    """A valid report, made ready for storage (a named tuple: cheap to send between processes)."""

    line: int
    notes: tuple[str, ...]
    prepared: PreparedReport


class ReadyPerson(NamedTuple):
    """A valid person record made ready for storage (see Ready)."""

    line: int
    notes: tuple[str, ...]
    prepared: PreparedPerson


class ReadyStep(NamedTuple):
    """A valid journey row with its step's stored forms made ready (see Ready)."""

    line: int
    notes: tuple[str, ...]
    item: JourneyRow
    raw: tuple[str, ...]
    text: StepText

    def candidate(self) -> StepCandidate:
        return StepCandidate(
            self.item.force, self.item.reference, self.item.step, self.text, self.notes
        )


# The store each worker process opened to judge journey rows, by URL: opened once, not a batch.
_WORKER_STORES: dict[str, Database] = {}


@dataclass(frozen=True, slots=True)
class JourneyJudging:
    """How one import's journey rows are made ready and judged: in the workers, against the
    store at ``store`` as committed, when it is given (picklable)."""

    prepare: StepPreparer
    now: datetime
    policy: ForcePolicy
    source: str
    store: str | None

    def judge(self, candidates: list[StepCandidate]) -> list[JudgedReport]:
        """Judge rows in a worker (services.journey.judge_steps), reading the journeys they
        join from the store as committed; the importing process judges again any report its
        transaction has changed since (services.journey.import_steps)."""
        assert self.store is not None
        db = _WORKER_STORES.get(self.store)
        if db is None:
            db = _WORKER_STORES[self.store] = Database.open(self.store)
        with db.reader() as uow:
            states = uow.journeys.states({(c.force, c.reference) for c in candidates})
        return judge_steps(
            states,
            candidates,
            now=self.now,
            policy=self.policy,
            source=self.source,
            prepare=self.prepare,
        )


class BatchWork:
    """Parse a batch of records and make the valid reports or journey steps ready, the steps
    judged too when the import says where (picklable)."""

    def __init__(
        self,
        parser: RowParser[Any],
        preparer: Preparer | None,
        journeys: JourneyJudging | None = None,
        persons: PersonPreparer | None = None,
    ) -> None:
        self.parser, self.preparer, self.journeys = parser, preparer, journeys
        self.persons = persons

    def __call__(self, records: list[Record]) -> list[Any]:
        # in a worker as in the importing process: a batch makes a million short-lived objects
        # (a national year's journey rows: 30.7 µs each without the collector, 35.0 with it)
        with cycle_collector.paused():
            return self._work(records)

    def _work(self, records: list[Record]) -> list[Any]:
        out: list[Any] = []
        header, prepare, journeys = self.parser.header, self.preparer, self.journeys
        prepare_person = self.persons
        prepare_step = journeys.prepare if journeys is not None else None
        # rows judged here, in a worker, go to the judge rather than back as they are
        judged_here = journeys is not None and journeys.store is not None
        candidates: list[StepCandidate] = []
        for record in records:
            parsed = self.parser(record)
            if parsed.item is None or parsed.errors:
                out.append(parsed)
            elif prepare is not None:
                origin = dict(zip(header, parsed.raw, strict=True))
                ready = prepare(parsed.item, parsed.digest, origin)
                out.append(Ready(parsed.line, parsed.notes, ready))
            elif prepare_person is not None:
                person = parsed.item
                ready_person = prepare_person(person.force, person.reference, person.person)
                out.append(ReadyPerson(parsed.line, parsed.notes, ready_person))
            elif prepare_step is not None:
                item, line = parsed.item, parsed.line
                text = prepare_step(line, item.step, item.actor, parsed.digest)
                if judged_here:
                    candidates.append(
                        StepCandidate(item.force, item.reference, item.step, text, parsed.notes)
                    )
                else:
                    out.append(ReadyStep(line, parsed.notes, item, parsed.raw, text))
            else:
                out.append(parsed)
        if candidates:
            assert journeys is not None
            out.extend(journeys.judge(candidates))
        return out
