"""The API against its own OpenAPI schema: generated requests (a bounded number per
operation) never get a 5xx and every response matches the schema — as an admin and as a
customer holding a ticket's access token."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_harness

# "No 5xx and no response that violates the schema". Not checked: that every schema-valid
# request is accepted (random but well-formed ids, slugs and cursors name nothing that
# exists, and must be refused), and the Allow header of the OPTIONS answers Litestar
# generates itself; table-driven tests in test_bad_input.py cover refusals.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture(scope="module")
def harness():
    harness, close = make_harness()
    opened = harness.open_portal_ticket()
    harness.tokens["customer"] = opened["access_token"]
    harness.sync()
    yield harness
    close()


@pytest.fixture(scope="module")
def api_schema(harness):
    return schemathesis.openapi.from_asgi("/schema/openapi.json", harness.client.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_as_admin(case, harness):
    case.call_and_validate(headers=harness.auth("admin"), checks=CHECKS)


@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
def test_as_customer(case, harness):
    case.call_and_validate(headers=harness.auth("customer"), checks=CHECKS)
