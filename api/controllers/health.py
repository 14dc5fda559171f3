"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import logging

from litestar import Controller, Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from api.metrics import PROJECTION_LAG, REGISTRY, refresh_store_metrics
from api.services import ServicesDep

log = logging.getLogger(__name__)


class HealthController(Controller):
    """Probes for orchestrators and monitoring."""

    tags = ["health"]
    include_in_schema = True

    @get("/healthz", operation_id="health", sync_to_thread=False)
    def health(self) -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @get("/readyz", operation_id="ready", sync_to_thread=True)
    def ready(self, services: ServicesDep) -> Response[dict[str, object]]:
        """Ready when the database answers, the broker (if any) answers and the read
        models are not too far behind."""
        checks: dict[str, str] = {}
        try:
            services.helpdesk.recorder.max_notification_id()
            with services.read.store.reader.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as error:
            checks["database"] = f"unavailable: {type(error).__name__}"
        for name, probe in services.probes.items():
            try:
                probe()
                checks[name] = "ok"
            except Exception as error:
                checks[name] = f"unavailable: {type(error).__name__}"
        lag = 0
        if checks["database"] == "ok":
            for status in services.read.status():
                PROJECTION_LAG.labels(status.name).set(status.lag)
                lag = max(lag, status.lag)
            limit = services.settings.max_projection_lag
            checks["projections"] = "ok" if lag <= limit else f"lagging {lag} events"
        ready = all(value == "ok" for value in checks.values())
        return Response({"status": "ready" if ready else "not ready", "checks": checks,
                         "projection_lag": lag},
                        status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE)

    @get("/metrics", operation_id="metrics", sync_to_thread=True, include_in_schema=False)
    def metrics(self, services: ServicesDep) -> Response[bytes]:
        """Prometheus text format."""
        try:
            refresh_store_metrics(services)
        except Exception as error:  # metrics must answer even when the database is down
            log.warning("metrics from the database unavailable: %s", error)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
