"""The composition root: the only place that knows which adapter serves which port.

It builds adapters and use cases and nothing else: the HTTP app (entrypoints/http), the
worker runtime and the scheduler (entrypoints/worker) build themselves from it, and the
CLI combines them where one process runs several. Split by concern, each part adding to
the one before: infrastructure (storage, queue, coordination, metrics), the MercadoLibre
gateways, then the use cases of accounts, listings, notifications and operations.

Adapter sets are chosen by configuration: SQL (PostgreSQL or SQLite) or in-memory
storage; dramatiq on Redis or an in-process broker. Other Python applications embed the
service by building this container with their own Settings (docs/embedding.md).
"""

from __future__ import annotations

import weakref

from dependency_injector import providers

from entrypoints.container.operations import OperationUseCases
from entrypoints.settings import Settings

__all__ = ["Container", "build_container", "start", "stop"]


class Container(OperationUseCases):
    """Every adapter and use case of the service (see the modules of this package)."""


def build_container(settings: Settings) -> Container:
    return Container(settings=settings)


# The resources that were created asynchronously, per started container (see start).
_ASYNC_RESOURCES: weakref.WeakKeyDictionary[Container, list[providers.Resource]] = (
    weakref.WeakKeyDictionary()
)


async def start(container: Container) -> None:
    """Create the resources (engine, broker, HTTP session) inside the running loop."""
    # Fail at start, not at the first refresh or notification, on settings that cannot
    # work: no encryption key to be had, a client id notifications can never match.
    container.cipher()
    container.application_id()
    await container.init_resources()
    resources = list(container.traverse(types=[providers.Resource]))
    _ASYNC_RESOURCES[container] = [p for p in resources if p.is_async_mode_enabled()]
    # Once created, resources are plain objects; switching their providers out of async
    # mode lets factories that depend on them (a unit of work per call) build
    # synchronously instead of handing back futures.
    for provider in resources:
        provider.disable_async_mode()


async def stop(container: Container) -> None:
    """Close the resources (dispose the engine, close sessions and clients)."""
    for provider in _ASYNC_RESOURCES.pop(container, []):
        provider.enable_async_mode()
    shutdown = container.shutdown_resources()
    if shutdown is not None:
        await shutdown
