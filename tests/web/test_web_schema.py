"""The API against its own OpenAPI schema (schemathesis, in-process): whatever a caller sends,
no answer is a server error."""

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from caselink.bootstrap import App
from caselink.web import create_app

EXAMPLES = 25  # per operation and role: bounded, so the suite stays quick


@pytest.mark.parametrize("role", ["analyst", "inspector", "admin"])
def test_no_operation_answers_with_a_server_error(
    linked: App, role: str, token_for: Callable[[str], dict[str, str]]
) -> None:
    # Hypothesis drives each operation directly: schemathesis' pytest plugin does not run
    # under this pytest, and one database per role keeps the run bounded.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(linked))
    headers = token_for(role)
    operations = [result.ok() for result in schema.get_all_operations()]
    seen: set[int] = set()
    assert len(operations) >= 7
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            seen.add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        call()
    assert 200 in seen  # the token was taken: the run did more than bounce off 401s
    assert 401 not in seen
