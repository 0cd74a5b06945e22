"""In-memory adapters: real adapters that pass the same contract suites as the SQL ones."""

from adapters.memory.jobs import InMemoryJobQueue
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork

__all__ = ["InMemoryJobQueue", "InMemoryStore", "InMemoryUnitOfWork"]
