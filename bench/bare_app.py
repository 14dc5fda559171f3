"""The baseline of the HTTP figures: a bare Litestar application with one JSON endpoint per
method, served by uvicorn exactly as ``helpdesk api`` serves the help desk (one process,
same ``uvicorn.run`` arguments). Handlers are synchronous and run in the thread pool
(``sync_to_thread=True``), as the help desk's are; the GET answer is a ticket page of the
same shape and about the same size as ``GET /api/v1/tickets?limit=50``.

    python -m bench.bare_app --port 8100
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import uvicorn
from litestar import Litestar, Response, get, post


class TicketIn(msgspec.Struct, forbid_unknown_fields=True):
    """The portal's body (same fields)."""

    name: str
    email: str
    subject: str
    description: str
    category: str | None = None
    priority: str | None = None
    order_ref: str | None = None
    product_ref: str | None = None


def _page() -> dict[str, Any]:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    items = [{
        "number": f"TKT-2026-{i:06d}", "subject": "Grinder espresso machine broken noise",
        "status": "open", "priority": "high", "category": "shipping", "branch": None,
        "assignee": None, "customer_name": f"Customer {i}",
        "customer_email": f"customer{i}@shop.example", "tags": ["vip"],
        "created_at": (now - timedelta(hours=i)).isoformat(),
        "updated_at": (now - timedelta(hours=i)).isoformat(), "message_count": 0,
        "sla_next_due": (now + timedelta(hours=i)).isoformat(), "sla_state": "on_track",
        "version": 1} for i in range(50)]
    return {"items": items, "next_cursor": "eyJzIjoicHJpb3JpdHkiLCJ2IjpbMiwiMjAyNi0wMy0wMlQw"
                                           "OTowMDowMCswMDowMCIsIlRLVC0yMDI2LTAwMDA1MCJdfQ",
            "counts": {"open": 4000, "in_progress": 3000, "resolved": 1500, "closed": 1000,
                       "waiting_customer": 500}}


PAGE = _page()


@get("/bare/tickets", sync_to_thread=True)
def list_tickets() -> dict[str, Any]:
    """A constant ticket page."""
    return PAGE


@post("/bare/tickets", sync_to_thread=True)
def open_ticket(data: TicketIn) -> Response[dict[str, Any]]:
    """Accept the body, answer 201 like the portal does."""
    return Response({"number": "TKT-2026-000001", "access_token": "x" * 43,
                     "url": f"http://127.0.0.1:8000/portal/tickets/TKT-2026-000001#{data.email}",
                     "status": "open", "version": 1, "position": 1}, status_code=201,
                    headers={"Cache-Control": "no-store"})


@get("/healthz", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    """ASGI factory, as ``helpdesk.web:create_app_from_env``."""
    return Litestar(route_handlers=[list_tickets, open_ticket, health])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args()
    # The same call as helpdesk.cli.cmd_api.
    uvicorn.run("bench.bare_app:create_app", factory=True, host=args.host, port=args.port,
                workers=1, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
