"""``/console/tickets/{number}``: the conversation, the reply box with templates and a
preview, the ticket's fields, its analytics panel and its history in words."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from api.auth import AgentDep, AgentPrincipal
from api.controllers.tickets import visible_ticket
from api.presenters import ticket_out
from api.services import Services, ServicesDep
from api.web.common import WRITERS, ConsoleController, Form, form_errors, page, redirect
from api.web.history import history
from api.web.lookups import Lookups
from application.templating import ticket_context
from application.ticket_changes import KEEP, TicketChanges
from domain import ticket_events as ev
from domain.errors import DomainError, InvalidInput, NotFound, StaleVersion
from domain.ticket import Ticket
from domain.transitions import AGENT_TRANSITIONS
from domain.values import Priority, Status, Visibility

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
NOTICES = {"replied": "Your reply was sent to the customer.",
           "noted": "Your internal note was added (the customer does not see it).",
           "updated": "The ticket was updated.", "created": "The ticket was opened.",
           "unchanged": "Nothing was changed: the form matched the ticket."}
_TAG_SPLIT = re.compile(r"[\s,]+")
BOOKKEEPING = (ev.SlaBreached,)
"""Events that change none of the fields the ticket form edits."""


def load(services: Services, agent: AgentPrincipal, number: str) -> Ticket:
    """The ticket if this agent may see it; 404 for malformed numbers too."""
    try:
        return visible_ticket(services, agent, number)
    except InvalidInput:
        raise NotFound("ticket", number[:40]) from None


def render_template(services: Services, agent: AgentPrincipal, ticket: Ticket,
                    slug: str) -> str:
    """A template's body for this ticket, as the JSON API's preview renders it."""
    url = f"{services.settings.public_url}/portal/tickets/{ticket.number}"
    author = services.helpdesk.get_agent(agent.id)
    _, body = services.helpdesk.render_template(slug, ticket_context(ticket, url=url,
                                                                     agent=author))
    return body


def ticket_page(request: Request[Any, Any, Any], services: Services, agent: AgentPrincipal,
                ticket: Ticket, *, status: int = 200, **forms: Any) -> Template:
    """The ticket page; ``forms`` carries submitted values, errors and a preview."""
    now = services.helpdesk.clock()
    lookups = Lookups(services)
    events = services.helpdesk.events.get(Ticket.create_id(ticket.number))
    update = forms.pop("update", None) or {
        "status": ticket.status.value, "priority": ticket.priority.value,
        "category": ticket.category, "assignee": ticket.assignee or "",
        "tags": " ".join(ticket.tags), "reason": ""}
    message = forms.pop("message", None) or {"body": "", "template": "",
                                             "visibility": "public"}
    return page(
        request, "console/ticket.html", status=status, t=ticket_out(ticket, now), now=now,
        lookups=lookups, names=lookups.agent_names,
        history=history(events, lookups.agent_names, lookups.category_name),
        can_write=agent.role in WRITERS and not ticket.deleted,
        statuses=list(Status), priorities=list(Priority),
        next_statuses=sorted(AGENT_TRANSITIONS[ticket.status], key=list(Status).index),
        update=update, message=message, **{
            "update_error": None, "update_errors": {}, "message_error": None,
            "message_errors": {}, "preview": None, **forms})


def bookkeeping_only(services: Services, number: str, seen: int) -> int | None:
    """The ticket's version now, if everything recorded after version ``seen`` leaves the
    form's fields alone (a private link e-mailed, an SLA breach noted), so the change may
    still be applied; None when something the agent should see first happened."""
    events = list(services.helpdesk.events.get(Ticket.create_id(number), gt=seen))
    if events and all(isinstance(e, BOOKKEEPING) for e in events):
        return int(events[-1].originator_version)
    return None


def parse_tags(text: str) -> list[str]:
    """Tags typed as words separated by spaces or commas."""
    return [t.lower() for t in _TAG_SPLIT.split(text) if t]


class TicketPageController(ConsoleController):
    """One ticket, as agents work it."""

    path = "/console/tickets/{number:str}"

    @get("/", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
             number: FromPath[str], done: FromQuery[str | None] = None) -> Template:
        """The ticket page."""
        ticket = load(services, agent, number)
        request.state["notice"] = NOTICES.get(done or "")
        return ticket_page(request, services, agent, ticket)

    @get("/template-preview", sync_to_thread=True)
    def template_preview(self, services: ServicesDep, agent: AgentDep, number: FromPath[str],
                         template: FromQuery[str] = "") -> Response[dict[str, str]]:
        """A template rendered for this ticket (the reply box's script fetches it)."""
        ticket = load(services, agent, number)
        try:
            body = render_template(services, agent, ticket, template[:64])
        except DomainError as error:
            return Response({"error": form_errors(error)[0]}, status_code=422)
        return Response({"body": body}, headers={"Cache-Control": "no-store"})

    @post("/messages", sync_to_thread=True)
    def add_message(self, request: Request[Any, Any, Any], services: ServicesDep,
                    agent: AgentDep, number: FromPath[str], data: FormData) -> Template | Redirect:
        """Preview or send a public reply or an internal note."""
        agent.require(*WRITERS)
        ticket = load(services, agent, number)
        form = Form(data)
        errors: dict[str, str] = {}
        visibility = form.text("visibility", "public")
        if visibility not in ("public", "internal"):
            errors["visibility"] = "choose a public reply or an internal note"
            visibility = "public"
        slug = form.text("template") or None
        body, rendered = form.text("body"), ""
        if slug:
            try:
                rendered = render_template(services, agent, ticket, slug[:64])
            except DomainError as error:
                errors["template"] = form_errors(error)[0]
        message = {"body": body or rendered, "template": slug or "", "visibility": visibility}
        if form.text("action") == "preview" or errors:
            return ticket_page(
                request, services, agent, ticket, status=422 if errors else 200,
                message=message, message_errors=errors, preview=message["body"] or None,
                message_error="Some fields need attention." if errors else None)
        if not message["body"]:
            return ticket_page(request, services, agent, ticket, status=422, message=message,
                               message_error="Write a message or pick a template.",
                               message_errors={"body": "must not be empty"})
        try:
            services.helpdesk.add_message(
                ticket.number, message["body"], author=agent.actor,
                visibility=Visibility(visibility), template=slug)
        except DomainError as error:
            summary, fields = form_errors(error)
            return ticket_page(request, services, agent, load(services, agent, number),
                               status=422 if fields else 409, message=message,
                               message_error=summary, message_errors=fields)
        done = "noted" if visibility == "internal" else "replied"
        return redirect(f"/console/tickets/{ticket.number}", done=done)

    @post("/update", sync_to_thread=True)
    def update(self, request: Request[Any, Any, Any], services: ServicesDep, agent: AgentDep,
               number: FromPath[str], data: FormData) -> Template | Redirect:
        """Change status, priority, category, assignee and tags at once (with the version
        the form was based on, like ``If-Match``)."""
        agent.require(*WRITERS)
        ticket = load(services, agent, number)
        form = Form(data)
        submitted = {name: form.text(name) for name in (
            "status", "priority", "category", "assignee", "tags", "reason")}
        errors: dict[str, str] = {}
        changes = self._changes(ticket, agent, submitted, errors)
        version = form.whole("version", errors, low=1)
        if errors:
            return ticket_page(request, services, agent, ticket, status=422, update=submitted,
                               update_errors=errors,
                               update_error="Some fields need attention.")
        if changes.is_empty:
            return redirect(f"/console/tickets/{ticket.number}", done="unchanged")
        try:
            try:
                services.helpdesk.update_ticket(ticket.number, changes, actor=agent.actor,
                                                expected_version=version)
            except StaleVersion as conflict:
                now_at = bookkeeping_only(services, ticket.number, conflict.expected)
                if now_at is None:
                    raise
                services.helpdesk.update_ticket(ticket.number, changes, actor=agent.actor,
                                                expected_version=now_at)
        except DomainError as error:
            summary, fields = form_errors(error)
            stale = isinstance(error, StaleVersion)  # then show the ticket as it is now
            return ticket_page(request, services, agent, load(services, agent, number),
                               status=422 if fields else 409,
                               update=None if stale else submitted,
                               update_error=summary, update_errors=fields)
        return redirect(f"/console/tickets/{ticket.number}", done="updated")

    @staticmethod
    def _changes(ticket: Ticket, agent: AgentPrincipal, submitted: dict[str, str],
                 errors: dict[str, str]) -> TicketChanges:
        """What differs from the ticket as it is (unchanged fields are left alone)."""
        status = priority = None
        if submitted["status"] not in {s.value for s in Status}:
            errors["status"] = "choose a status"
        elif submitted["status"] != ticket.status.value:
            status = Status(submitted["status"])
        if submitted["priority"] not in {p.value for p in Priority}:
            errors["priority"] = "choose a priority"
        elif submitted["priority"] != ticket.priority.value:
            priority = Priority(submitted["priority"])
        category = submitted["category"] or ticket.category
        assignee: str | None = submitted["assignee"]
        if assignee == "me":
            assignee = agent.id
        if (assignee or None) == ticket.assignee:
            assignee = KEEP
        tags = parse_tags(submitted["tags"])
        return TicketChanges(
            status=status, priority=priority,
            category=None if category == ticket.category else category,
            assignee=KEEP if assignee == KEEP else (assignee or None),
            tags=None if sorted(set(tags)) == sorted(ticket.tags) else tags,
            reason=submitted["reason"][:500])
