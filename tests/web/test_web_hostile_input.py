"""Hostile values answer 4xx with a message, never a server error: numbers beyond 64 bits in
paths and queries, times at the edges of the calendar, Unicode digits that are not ASCII, and
NUL characters in any form (PostgreSQL refuses them in text)."""

from collections.abc import Callable
from typing import Any

import pytest

from caselink.bootstrap import App
from caselink.domain.roles import Role
from caselink.services.context import Actor
from caselink.services.integrity import audit as integrity_audit

Client = Callable[..., Any]
HUGE = "99999999999999999999"  # beyond 64 bits
EDGES = ("9999-12-31T23:59-05:00", "0001-01-01T00:00+05:00")
NEW = {
    "force": "Kent",
    "reference": "KH-1",
    "reported_at": "2024-06-01T21:30",
    "offence_code": "19C",
    "narrative": "Account taken at the station.",
}


def _refused(response: Any, *words: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    for word in words:
        assert word in response.text, response.text[:600]


@pytest.mark.parametrize(
    ("url", "role"),
    [
        (f"/reports?page={HUGE}", "registrar"),
        (f"/persons/{HUGE}", "analyst"),
        (f"/linkage/series/{HUGE}", "analyst"),
        ("/linkage/series/2147483648", "analyst"),  # series are numbered in 32 bits
        (f"/integrity/audits/{HUGE}", "registrar"),
        (f"/integrity/audits/{HUGE}", "inspector"),
    ],
)
def test_numbers_beyond_64_bits_are_refused(
    linked: App, signed_in: Client, url: str, role: str
) -> None:
    # a store with a linkage run, a person resolution and an audit sample: every lookup runs
    integrity_audit.draw_sample(linked.context, Actor("rita", Role.REGISTRAR), seed=1, size=2)
    _refused(signed_in(role).get(url))


def test_a_page_number_in_unicode_digits_is_refused(store: App, signed_in: Client) -> None:
    c = signed_in("registrar")
    _refused(c.get("/reports?page=²"), "page")
    _refused(c.get("/reports?page=0"), "page")
    assert c.get("/reports?page=2").status_code == 200


def test_a_verdict_on_a_sample_beyond_64_bits_is_refused(
    linked: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    integrity_audit.draw_sample(linked.context, Actor("rita", Role.REGISTRAR), seed=1, size=2)
    c = signed_in("registrar")
    answer = c.post(
        f"/integrity/audits/{HUGE}/verdict",
        data={"csrf_token": csrf_of(c), "force": "Kent", "reference": "K1", "verdict": "correct"},
    )
    _refused(answer)


@pytest.mark.parametrize("edge", [e[:10] for e in EDGES])
@pytest.mark.parametrize("name", ["from", "to"])
def test_filter_days_at_the_calendar_edges(
    store: App, signed_in: Client, name: str, edge: str
) -> None:
    page = signed_in("registrar").get(f"/reports?{name}={edge}")
    assert page.status_code < 500
    outcomes = signed_in("registrar").get(f"/outcomes?{name}={edge}")
    assert outcomes.status_code < 500


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("name", ["reported_at", "occurred_from", "occurred_to"])
def test_new_report_times_at_the_calendar_edges(
    store: App, signed_in: Client, csrf_of: Callable[..., str], name: str, edge: str
) -> None:
    c = signed_in("officer")
    answer = c.post("/reports/new", data={"csrf_token": csrf_of(c), **NEW, name: edge})
    _refused(answer, "out of range")
    assert name in answer.context["errors"]


@pytest.mark.parametrize("edge", EDGES)
def test_a_journey_step_at_the_calendar_edges(
    store: App, signed_in: Client, csrf_of: Callable[..., str], edge: str
) -> None:
    c = signed_in("officer")
    answer = c.post(
        "/reports/Kent/K1/journey",
        data={"csrf_token": csrf_of(c), "step": "arrested", "at": edge},
    )
    _refused(answer, "out of range")


@pytest.mark.parametrize("action", ["classify", "cancel", "inform"])
def test_a_version_in_unicode_digits_is_refused(
    store: App, signed_in: Client, csrf_of: Callable[..., str], action: str
) -> None:
    c = signed_in("registrar")
    answer = c.post(
        f"/reports/Kent/K2/{action}",
        data={
            "csrf_token": csrf_of(c),
            "expected_version": "²",
            "decision": "crime",
            "offence_code": "20A",
            "code": "C4",
            "rationale": "Recorded in error: keyed twice.",
            "evidence": "The control room log.",
            "how": "phone",
        },
    )
    _refused(answer, "version")


def test_a_journey_step_with_a_version_in_unicode_digits_is_refused(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    answer = c.post(
        "/reports/Kent/K1/journey",
        data={"csrf_token": csrf_of(c), "step": "arrested", "expected_version": "²"},
    )
    _refused(answer, "version")


NUL = "a\x00b"


def test_a_nul_character_in_the_sign_in_form_is_refused(client: Any) -> None:
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"name": NUL, "password": "x", "login_csrf": page.context["login_csrf"]},
    )
    _refused(answer, "NUL")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/reports/new", "narrative"),
        ("/reports/new", "reference"),
        ("/reports/Kent/K1/classify", "rationale"),
        ("/reports/Kent/K1/persons", "surname"),
        ("/justification", "other"),
        ("/reports/Kent/K1/journey", "at"),
    ],
)
def test_a_nul_character_in_any_form_field_is_refused(
    store: App, signed_in: Client, csrf_of: Callable[..., str], url: str, field: str
) -> None:
    c = signed_in("registrar")
    data = {"csrf_token": csrf_of(c), **NEW, "role": "suspect", "step": "arrested", field: NUL}
    _refused(c.post(url, data=data), "NUL")


def test_a_nul_character_in_a_multipart_form_is_refused(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    answer = c.post(
        "/reports/new",
        data={"csrf_token": csrf_of(c), **NEW, "narrative": NUL},
        files={"unused": ("x.txt", b"plain")},
    )
    _refused(answer, "NUL")


def test_a_nul_character_in_an_api_body_is_refused(
    store: App, client: Any, token_for: Callable[[str], dict[str, str]]
) -> None:
    answer = client.post(
        "/api/v1/reports/Kent/K1/journey",
        content=b'{"step": "arrested", "details": {"how": "a\\u0000b"}}',
        headers={**token_for("officer"), "content-type": "application/json"},
    )
    _refused(answer)


def test_a_lone_surrogate_in_an_api_body_is_refused(
    store: App, client: Any, token_for: Callable[[str], dict[str, str]]
) -> None:
    answer = client.post(
        "/api/v1/reports/Kent/K1/journey",
        content=b'{"step": "attended", "details": {"trained_officer": "true", '
        b'"preferences": "\\ud800"}}',
        headers={**token_for("officer"), "content-type": "application/json"},
    )
    _refused(answer, "surrogate")


def test_the_same_step_posted_twice_is_not_a_server_error(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    step = {"csrf_token": csrf_of(c), "step": "arrested", "at": "2024-06-02T10:00:00Z"}
    assert c.post("/reports/Kent/K1/journey", data=step).status_code == 200
    _refused(c.post("/reports/Kent/K1/journey", data=step), "already recorded")


def test_the_same_person_posted_twice_is_refused_not_a_server_error(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    person = {"csrf_token": csrf_of(c), "role": "suspect", "surname": "Smith"}
    assert c.post("/reports/Kent/K1/persons", data=person).status_code == 200
    _refused(c.post("/reports/Kent/K1/persons", data=person), "already recorded")


def test_a_form_body_beyond_the_limit_is_refused_unread(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    answer = c.post(
        "/reports/new", data={"csrf_token": csrf_of(c), **NEW, "narrative": "x" * 9_000_000}
    )
    assert answer.status_code == 413
    assert "larger than" in answer.text


@pytest.mark.parametrize("reference", ["=1+2", "-K1", "K/1", "..", "K\x1b[2J"])
def test_a_hostile_reference_in_the_new_report_form_is_refused(
    store: App, signed_in: Client, csrf_of: Callable[..., str], reference: str
) -> None:
    c = signed_in("officer")
    answer = c.post("/reports/new", data={"csrf_token": csrf_of(c), **NEW, "reference": reference})
    assert answer.status_code == 422
    assert "reference" in answer.context["errors"]


def test_an_api_step_outside_the_span_of_times_is_refused(
    store: App, client: Any, token_for: Callable[[str], dict[str, str]]
) -> None:
    answer = client.post(
        "/api/v1/reports/Kent/K1/journey",
        json={"step": "arrested", "at": "1066-10-14T09:00:00Z"},
        headers=token_for("officer"),
    )
    assert answer.status_code == 422
    assert "out of range" in answer.text


@pytest.mark.parametrize("left", ["²", HUGE, "-1", ""])
def test_a_person_pair_verdict_with_ids_that_are_not_ids_is_refused(
    linked: App, signed_in: Client, csrf_of: Callable[..., str], left: str
) -> None:
    c = signed_in("analyst")
    answer = c.post(
        "/persons/review/label",
        data={"csrf_token": csrf_of(c), "left": left, "right": "1", "verdict": "same"},
    )
    _refused(answer)


@pytest.mark.parametrize("code", ["000000000", "rape", "19C; DROP"])
def test_classifying_under_a_code_that_is_not_an_offence_code_is_refused(
    store: App, signed_in: Client, csrf_of: Callable[..., str], code: str
) -> None:
    c = signed_in("registrar")
    answer = c.post(
        "/reports/Kent/K2/classify",
        data={"csrf_token": csrf_of(c), "decision": "crime", "offence_code": code},
    )
    _refused(answer, "offence code")
