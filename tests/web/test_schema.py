"""Property-based tests of the API against its own OpenAPI document.

Schemathesis generates requests for every operation from the document, valid
and invalid; whatever it sends, the server answers with a 2xx or a 4xx and a
JSON ``detail``, never a 500.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from sarap.web import create_app, running_server
from tests.web.conftest import sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def admin_server(web_workspace: Path) -> Iterator[tuple[str, dict[str, str]]]:
    app = create_app(web_workspace, max_upload_mb=1)
    with running_server(app) as url:
        client = sign_in(url, "admin")
        session = client.cookies["sarap_session"]
        yield (
            url,
            {
                "Cookie": f"sarap_session={session}",
                "X-CSRF-Token": client.headers["X-CSRF-Token"],
            },
        )


def test_no_input_makes_a_server_error(admin_server):
    url, headers = admin_server
    # Signing out would end the session the other cases use.
    schema = schemathesis.openapi.from_url(
        f"{url}/api/openapi.json", headers=headers
    ).exclude(path="/api/logout")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    sent: list[int] = []
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for operation, mode in itertools.product(operations, modes):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_500(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            sent.append(response.status_code)
            where = f"{case.method} {case.formatted_path} {case.query or ''}"
            assert response.status_code < 500, f"{where}: {response.text}"
            if response.status_code >= 400:
                assert isinstance(response.json()["detail"], str), where

        try:
            no_500()
        except Unsatisfiable:
            # Nothing invalid to send: no parameters, or only free text.
            assert mode is schemathesis.GenerationMode.NEGATIVE
    # Valid requests got answers, invalid ones were refused with a 4xx.
    assert len(sent) > 10 * len(operations)
    assert sum(200 <= c < 300 for c in sent) > len(operations)
    assert sum(400 <= c < 500 for c in sent) > len(operations)
