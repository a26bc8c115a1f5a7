"""An import event's payload put together from texts its steps' documents were made into
elsewhere is the very text the whole payload makes: the hash chain cannot tell them apart."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caselink.domain.journey import Step, StepKind, step_document
from caselink.storage.history.event_log import list_payload_text, payload_text
from caselink.storage.journeys import details_text
from caselink.storage.prepared import step_document_text

TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
STEPS = st.builds(
    Step,
    kind=st.sampled_from(list(StepKind)),
    at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
    details=st.dictionaries(TEXT, TEXT, max_size=4),
)


@given(TEXT, st.lists(STEPS, max_size=5))
def test_a_payload_from_its_steps_texts_is_the_whole_payloads_text(
    source: str, steps: list[Step]
) -> None:
    documents = [step_document(s) for s in steps]
    whole = payload_text({"source": source, "steps": documents})
    parts = list_payload_text({"source": source}, "steps", [payload_text(d) for d in documents])
    assert parts == whole


def test_the_list_cannot_be_named_twice() -> None:
    with pytest.raises(ValueError, match="in the head already"):
        list_payload_text({"steps": 1}, "steps", [])


@given(STEPS, st.booleans())
def test_a_steps_text_made_from_its_details_text_is_its_documents_text(
    step: Step, sort: bool
) -> None:
    # a file's details come sorted (the quick way) or in any order (the document's own)
    if sort:
        step = Step(kind=step.kind, at=step.at, details=dict(sorted(step.details.items())))
    made = step_document_text(step, details_text(step.details))
    assert made == payload_text(step_document(step))
