"""Every read model, by name, and how to build them on a read store."""

from __future__ import annotations

from projections.configuration import ConfigurationReadModel
from projections.customers import CustomersReadModel
from projections.daily_stats import DailyStatsReadModel
from projections.messages import MessagesReadModel
from projections.metrics import MetricsReadModel
from projections.notifications import NotificationsReadModel
from projections.queue import QueueReadModel
from projections.read_model import ReadModel
from projections.sla import SlaReadModel
from projections.store import ReadStore
from projections.view import SqlView
from projections.workload import WorkloadReadModel

READ_MODELS: tuple[type[ReadModel], ...] = (
    ConfigurationReadModel,
    CustomersReadModel,
    QueueReadModel,
    MessagesReadModel,
    SlaReadModel,
    MetricsReadModel,
    DailyStatsReadModel,
    WorkloadReadModel,
    NotificationsReadModel,
)


def build_read_models(store: ReadStore, names: list[str] | None = None) -> list[ReadModel]:
    """Instances of the read models (all, or those named) writing to ``store``."""
    known = {cls.name: cls for cls in READ_MODELS}
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise ValueError(f"unknown read models: {', '.join(unknown)}; "
                       f"known: {', '.join(sorted(known))}")
    chosen = [known[n] for n in names] if names else list(READ_MODELS)
    return [cls(view=SqlView(store, cls.name)) for cls in chosen]
