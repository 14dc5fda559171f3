"""``/portal``: customers open tickets, follow them through their private link (public
messages and status changes only), reply, and open a follow-up once a ticket is closed.

The private link is ``/portal/tickets/{number}#token=...``. Browsers keep a fragment to
themselves, so the page's small script posts it (with the CSRF token) to ``.../access``,
which checks it and keeps it in an HttpOnly cookie limited to that ticket's path; without
scripts the customer pastes the token, and ``?token=`` links are answered by setting the
cookie and redirecting to the clean address."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from api.services import Services, ServicesDep
from api.web.common import Form, WebController, form_errors, page, redirect
from api.web.history import status_changes
from api.web.lookups import Lookups
from api.web.security import is_https
from domain.errors import DomainError, TicketClosed
from domain.ticket import Ticket
from domain.ticket_number import check_number
from domain.values import Actor, Channel, Status, Visibility

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
TICKET_DAYS = 90
NOTICES = {"replied": "Your reply was added; we will get back to you."}
FIELDS = ("name", "email", "subject", "description", "category", "order_ref")


def cookie_name(number: str) -> str:
    """The cookie that opens one ticket."""
    return f"hd_t_{number}"


def ticket_cookie(request: Request[Any, Any, Any], number: str, token: str) -> Cookie:
    """Keeps the access token for this ticket's pages only (HttpOnly, never for scripts)."""
    return Cookie(key=cookie_name(number), value=token, path=f"/portal/tickets/{number}",
                  httponly=True, samesite="lax", secure=is_https(request),
                  max_age=TICKET_DAYS * 86_400)


def canonical(number: str) -> str | None:
    """The ticket number as the desk writes it, or None when it is not one."""
    try:
        return check_number(number[:40])
    except DomainError:
        return None


def customer_ticket(services: Services, request: Request[Any, Any, Any],
                    number: str) -> Ticket | None:
    """The ticket if this browser holds its access token."""
    token = request.cookies.get(cookie_name(number), "")
    if not token or len(token) > 200:
        return None
    return services.helpdesk.authenticate_customer(number, token)


def unlock_page(request: Request[Any, Any, Any], number: str, *, status: int = 200,
                error: str | None = None) -> Template:
    """Asks for the private link's token (the script supplies it from the fragment)."""
    return page(request, "portal/unlock.html", status=status, number=number, error=error)


def created_page(request: Request[Any, Any, Any], services: Services,
                 opened: Any, follow_up_of: str | None = None) -> Template:
    """The confirmation, with the private link shown this once."""
    number = opened.ticket.number
    link = f"{services.settings.public_url}/portal/tickets/{number}#token={opened.access_token}"
    return page(request, "portal/created.html", status=201, number=number, link=link,
                here=f"/portal/tickets/{number}#token={opened.access_token}",
                follow_up_of=follow_up_of,
                cookies=[ticket_cookie(request, number, opened.access_token)])


def ticket_page(request: Request[Any, Any, Any], services: Services, ticket: Ticket, *,
                status: int = 200, **context: Any) -> Template:
    """What the customer sees: public messages and status changes, oldest first."""
    events = services.helpdesk.events.get(Ticket.create_id(ticket.number))
    timeline: list[dict[str, Any]] = [
        {"at": m.at, "kind": "message", "mine": m.author.kind.value == "customer",
         "body": m.body} for m in ticket.public_messages()]
    timeline += [{"at": at, "kind": "status", "status": text}
                 for at, text in status_changes(events)]
    timeline.sort(key=lambda item: item["at"])
    return page(request, "portal/ticket.html", status=status, ticket=ticket,
                timeline=timeline, closed=ticket.status is Status.CLOSED,
                category=Lookups(services).category_name(ticket.category),
                **{"reply": "", "error": None, "errors": {}, "follow_up": {}, **context})


class PortalPagesController(WebController):
    """The customer portal."""

    path = "/portal"

    @get("/", sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], services: ServicesDep) -> Template:
        """The form to open a ticket."""
        return page(request, "portal/home.html", values=dict.fromkeys(FIELDS, ""),
                    categories=Lookups(services).active_categories, error=None, errors={})

    @post("/tickets", sync_to_thread=True, opt={"rate_limited": True})
    def open_ticket(self, request: Request[Any, Any, Any], services: ServicesDep,
                    data: FormData) -> Template:
        """Open the ticket; the confirmation shows its number and private link."""
        form = Form(data)
        values = {name: form.text(name) for name in FIELDS}
        try:
            opened = services.helpdesk.open_ticket(
                subject=values["subject"], description=values["description"],
                customer_name=values["name"], customer_email=values["email"],
                channel=Channel.PORTAL, category=values["category"] or None,
                order_ref=values["order_ref"] or None)
        except DomainError as error:
            summary, fields = form_errors(error)
            return page(request, "portal/home.html", status=422, values=values,
                        categories=Lookups(services).active_categories, error=summary,
                        errors=fields)
        return created_page(request, services, opened)

    @get("/tickets/{number:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], services: ServicesDep, number: FromPath[str],
             done: FromQuery[str | None] = None) -> Template | Redirect:
        """The ticket, when this browser holds its token; else the page that reads the
        private link (a ``?token=`` is moved into the cookie, then removed from the URL)."""
        clean = canonical(number)
        if clean is None:
            return unlock_page(request, number[:40], status=404,
                               error="This is not a ticket number.")
        token = request.query_params.get("token")
        if token:
            if services.helpdesk.authenticate_customer(clean, token[:200]) is None:
                return unlock_page(request, clean, status=404, error=BAD_LINK)
            return redirect(f"/portal/tickets/{clean}",
                            cookies=[ticket_cookie(request, clean, token)])
        if clean != number:
            return redirect(f"/portal/tickets/{clean}")
        ticket = customer_ticket(services, request, clean)
        if ticket is None:
            return unlock_page(request, clean)
        request.state["notice"] = NOTICES.get(done or "")
        return ticket_page(request, services, ticket)

    @post("/tickets/{number:str}/access", sync_to_thread=True)
    def access(self, request: Request[Any, Any, Any], services: ServicesDep, number: FromPath[str],
               data: FormData) -> Template | Redirect:
        """Check the private link's token and keep it in this ticket's cookie."""
        clean = canonical(number) or number[:40]
        token = Form(data).text("token")
        if token.startswith("token="):
            token = token.removeprefix("token=")
        if "#token=" in token:
            token = token.split("#token=", 1)[1]
        if not token or len(token) > 200 or services.helpdesk.authenticate_customer(
                clean, token) is None:
            return unlock_page(request, clean, status=404, error=BAD_LINK)
        return redirect(f"/portal/tickets/{clean}", cookies=[ticket_cookie(request, clean,
                                                                          token)])

    @post("/tickets/{number:str}/reply", sync_to_thread=True)
    def reply(self, request: Request[Any, Any, Any], services: ServicesDep, number: FromPath[str],
              data: FormData) -> Template | Redirect:
        """Add the customer's reply (a closed ticket offers a follow-up instead)."""
        ticket = self._ticket(services, request, number)
        if ticket is None:
            return unlock_page(request, number[:40], status=404, error=BAD_LINK)
        body = Form(data).text("body")
        try:
            services.helpdesk.add_message(ticket.number, body,
                                          author=Actor.customer(ticket.customer.id),
                                          visibility=Visibility.PUBLIC)
        except TicketClosed:
            return ticket_page(request, services, ticket, status=409, reply=body,
                               error="This ticket is closed and takes no more replies; "
                                     "open a follow-up below instead.")
        except DomainError as error:
            summary, fields = form_errors(error)
            return ticket_page(request, services, ticket, status=422, reply=body,
                               error=summary, errors=fields)
        return redirect(f"/portal/tickets/{ticket.number}", done="replied")

    @post("/tickets/{number:str}/follow-up", sync_to_thread=True, opt={"rate_limited": True})
    def follow_up(self, request: Request[Any, Any, Any], services: ServicesDep,
                  number: FromPath[str], data: FormData) -> Template:
        """Open a new ticket linked to this closed one (with its own private link)."""
        ticket = self._ticket(services, request, number)
        if ticket is None:
            return unlock_page(request, number[:40], status=404, error=BAD_LINK)
        form = Form(data)
        values = {"subject": form.text("subject"), "description": form.text("description")}
        try:
            opened = services.helpdesk.open_follow_up(
                ticket.number, subject=values["subject"] or f"Follow-up to {ticket.number}",
                description=values["description"], actor=Actor.customer(ticket.customer.id))
        except DomainError as error:
            summary, fields = form_errors(error)
            return ticket_page(request, services, ticket, status=422, follow_up=values,
                               error=summary, errors=fields)
        return created_page(request, services, opened, follow_up_of=ticket.number)

    @staticmethod
    def _ticket(services: Services, request: Request[Any, Any, Any],
                number: str) -> Ticket | None:
        clean = canonical(number)
        return None if clean is None else customer_ticket(services, request, clean)


BAD_LINK = ("This private link does not open the ticket. Check that you copied the whole "
            "link from the confirmation page or e-mail.")
