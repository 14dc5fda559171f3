"""Unit tests of template checking and sandboxed rendering (application.templating)."""

from __future__ import annotations

import pytest

from application.templating import TemplateRenderingFailed, check_template, render
from domain.errors import DomainError, InvalidInput

GREETING = "Hello {{ customer.name }}, ticket {{ ticket.number }} is {{ ticket.status }}"
CONTEXT = {
    "ticket": {"number": "HD-1", "subject": "Refund", "status": "open", "priority": "urgent",
               "category": "billing", "url": "https://desk/t/HD-1", "created_at": "2026-03-02",
               "access_token_hash": "S3CRET-HASH"},
    "customer": {"name": "Ann", "email": "ann@example.com"},
    "agent": {"name": "Bob", "email": "bob@example.com"},
}
INTERNALS = ("<class", "<function", "<built-in", "<method", "object at 0x", " at 0x", "__",
             "mro", "S3CRET")

GOOD = [
    GREETING,
    "{% if ticket.priority == 'urgent' %}Right away!{% endif %}",
    "{% for x in [1,2] %}{{ x }}{% endfor %}",
    "{{ ticket.subject|upper }} ({{ ticket.category|default('none') }})",
    "{% set who = agent.name %}Regards, {{ who }}",
    "plain text, no variables",
]


def refusal(*, subject: str = "Re: {{ ticket.number }}", body: str = "Hi") -> dict[str, str]:
    with pytest.raises(InvalidInput) as excinfo:
        check_template(subject=subject, body=body)
    return excinfo.value.errors


@pytest.mark.parametrize("source", GOOD)
def test_check_template_accepts(source: str) -> None:
    check_template(subject=source.replace("\n", " "), body=source)
    check_template(subject="Re: {{ ticket.number }}", body=source)


@pytest.mark.parametrize(("source", "problem"), [
    ("{{ foo }}", "unknown variable 'foo'"),
    ("{{ ticket.secret }}", "unknown variable 'ticket.secret'"),
    ("{{ customer.phone }}", "unknown variable 'customer.phone'"),
    ("{{ range(3) }}", "unknown variable 'range'"),
    ("{% include 'x' %}", "include is not allowed in templates"),
    ("{% import 'x' as y %}", "import is not allowed in templates"),
    ("{% from 'x' import y %}", "fromimport is not allowed in templates"),
    ("{% extends 'x' %}", "extends is not allowed in templates"),
    ("{% macro m() %}x{% endmacro %}", "macro is not allowed in templates"),
    ("{{ ticket.number ", "does not parse: unexpected end of template"),
    ("{% if ticket.status %}open", "does not parse: Unexpected end of template"),
    ("{{ ticket.number|no_such_filter }}", "does not parse: No filter named 'no_such_filter'"),
])
def test_check_template_refuses_in_the_field_that_is_wrong(source: str, problem: str) -> None:
    errors = refusal(body=source)
    assert list(errors) == ["body"]
    assert errors["body"].startswith(problem)
    assert "(available: ticket.number, ticket.subject" in errors["body"]
    errors = refusal(subject=source, body="fine {{ agent.name }}")
    assert list(errors) == ["subject"]
    assert errors["subject"].startswith(problem)


def test_check_template_reports_both_fields_and_every_problem() -> None:
    errors = refusal(subject="{{ foo }}", body="{{ bar }} {{ ticket.secret }}{% include 'x' %}")
    assert set(errors) == {"subject", "body"}
    assert "unknown variable 'foo'" in errors["subject"]
    for problem in ("unknown variable 'bar'", "unknown variable 'ticket.secret'",
                    "include is not allowed"):
        assert problem in errors["body"]


def test_render_fills_variables() -> None:
    assert render(GREETING, CONTEXT) == "Hello Ann, ticket HD-1 is open"
    assert render(GOOD[1], CONTEXT) == "Right away!"
    assert render(GOOD[1], {"ticket": {"priority": "low"}}) == ""
    assert render(GOOD[2], {}) == "12"
    assert render(GOOD[3], CONTEXT) == "REFUND (billing)"
    assert render(GOOD[4], CONTEXT) == "Regards, Bob"


def test_render_does_not_autoescape() -> None:
    assert render("{{ customer.name }}", {"customer": {"name": "<A & B>"}}) == "<A & B>"


@pytest.mark.parametrize(("source", "context"), [
    ("{{ ticket.number }}", {}),
    ("{{ ticket.number }}", {"ticket": {}}),
    ("{{ customer.name }}", {"ticket": {"number": "HD-1"}}),
    ("{{ ticket.number|upper }}", {"ticket": {"status": "open"}}),
    ("{% if ticket.priority == 'urgent' %}x{% endif %}", {"ticket": {}}),
    ("{{ ticket.number ", CONTEXT),
])
def test_render_failures_raise_template_rendering_failed(
        source: str, context: dict[str, dict[str, str]]) -> None:
    with pytest.raises(TemplateRenderingFailed, match="template could not be rendered"):
        render(source, context)


def test_template_rendering_failed_is_a_domain_error_not_invalid_input() -> None:
    assert issubclass(TemplateRenderingFailed, DomainError)
    assert not issubclass(TemplateRenderingFailed, InvalidInput)


ESCAPES = [
    "{{ ticket.__class__ }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{{ ticket.number.__class__.__base__.__subclasses__() }}",
    "{{ customer.name.__init__.__globals__ }}",
    "{{ ticket.items.__self__ }}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ ticket.__getitem__('number') }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_sandbox_escapes_never_leak(source: str) -> None:
    try:
        check_template(subject="s", body=source)
    except InvalidInput as error:
        assert list(error.errors) == ["body"]
        refused_at_check = True
    else:
        refused_at_check = False
    try:
        output = render(source, CONTEXT)
    except TemplateRenderingFailed as error:
        assert "is unsafe" in str(error) or "undefined" in str(error) or "has no" in str(error)
        output = ""
    assert not any(marker in output for marker in INTERNALS), output
    # Either the check refuses it, or the sandbox does at render time; never both pass.
    assert refused_at_check or output == ""


def test_dunder_on_a_template_variable_is_refused_at_check_time() -> None:
    errors = refusal(body="{{ ticket.__class__ }}")
    assert errors["body"].startswith("unknown variable 'ticket.__class__'")
    with pytest.raises(TemplateRenderingFailed, match="is unsafe"):
        render("{{ ticket.__class__ }}", CONTEXT)


def test_dunder_on_a_literal_is_refused_at_check_and_by_the_sandbox() -> None:
    with pytest.raises(InvalidInput, match="may only follow ticket"):
        check_template(subject="s", body="{{ ''.__class__.__mro__ }}")
    with pytest.raises(TemplateRenderingFailed,
                       match="access to attribute '__class__' of 'str' object is unsafe"):
        render("{{ ''.__class__.__mro__ }}", CONTEXT)


@pytest.mark.parametrize("source", [
    "{{ ticket['access_token_hash'] }}",
    "{% set t = ticket %}{{ t.access_token_hash }}",
    "{% for t in [ticket] %}{{ t.access_token_hash }}{% endfor %}",
])
def test_check_template_refuses_indirect_access_to_unlisted_fields(source: str) -> None:
    assert list(refusal(body=source)) == ["body"]


@pytest.mark.parametrize("source", ["{{ ticket.number.format }}", "{{ ''.join }}"])
def test_method_reprs_do_not_reach_the_output(source: str) -> None:
    try:
        check_template(subject="s", body=source)
    except InvalidInput:
        return
    try:
        output = render(source, CONTEXT)
    except TemplateRenderingFailed:
        return
    assert not any(marker in output for marker in INTERNALS), output
