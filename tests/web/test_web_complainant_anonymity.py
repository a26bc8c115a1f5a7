"""The report page and the API as an inspector: a complainant in one report is withheld in every
report, whatever her role there; a registrar still sees her in full."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from caselink.bootstrap import App
from support import complainant_elsewhere as k

WHY = {"X-Justification": "inspection of recording"}


def _leaked(text: str) -> list[str]:
    return [v for v in k.ALICE if v in text]


def test_the_report_page_withholds_her_suspect_record_from_an_inspector(
    app: App, tmp_path: Path, signed_in: Callable[..., Any]
) -> None:
    k.record(app.context, tmp_path)
    k.person_run(app.context, ("S1", "S4"))
    page = signed_in("inspector").get("/reports/Kent/K2")
    assert page.status_code == 200
    assert not _leaked(page.text)
    (suspect,) = [p for p in page.context["report"].persons if p.role.value == "suspect"]
    assert (suspect.forename, suspect.surname, suspect.date_of_birth) == (None, None, None)

    page = signed_in("registrar").get("/reports/Kent/K2")
    assert "Ally" in page.text
    assert "Moreton" in page.text


def test_the_api_withholds_her_suspect_record_from_an_inspector(
    app: App, tmp_path: Path, client: Any, token_for: Callable[[str], dict[str, str]]
) -> None:
    k.record(app.context, tmp_path)
    k.person_run(app.context, ("S1", "S4"))
    answer = client.get("/api/v1/reports/Kent/K2", headers={**token_for("inspector"), **WHY})
    assert answer.status_code == 200
    assert not _leaked(answer.text)
    (suspect,) = [p for p in answer.json()["persons"] if p["role"] == "suspect"]
    assert suspect == {
        "role": "suspect",
        "forename": None,
        "surname": None,
        "aliases": [],
        "date_of_birth": None,
        "postcode": None,
    }

    answer = client.get("/api/v1/reports/Kent/K2", headers={**token_for("registrar"), **WHY})
    text = json.dumps(answer.json())
    assert "Ally" in text
    assert "Moreton" in text
    assert "ME141XX" in text
