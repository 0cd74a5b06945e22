"""Jobs on the wire: a job's name and its values as JSON-simple keyword arguments.

One cattrs converter serialises the typed jobs of application.jobs for the broker and for
the dead letters, and reads them back, so a job comes out of the queue as the class it
went in as. Earlier versions wrote other names and shapes (application.jobs.LEGACY_NAMES,
`actor` for a dead letter's job name and for the job a fan-out queues); they are read too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import cattrs

from application.jobs import FanOut, Job, job_name, job_type

_converter = cattrs.Converter(forbid_extra_keys=True)


def job_kwargs(job: Job) -> dict[str, Any]:
    """The job's values as JSON-simple keyword arguments."""
    return _converter.unstructure(job)


def job_from(name: str, kwargs: Mapping[str, Any]) -> Job:
    """The job `name` with these keyword arguments. Raises ValueError for an unknown name
    or values that do not fit the job."""
    try:
        job_class = job_type(name)
    except KeyError:
        raise ValueError(f"no job is called {name!r}") from None
    values = dict(kwargs)
    if job_class is FanOut and "actor" in values:
        values["job"] = values.pop("actor")
    if name in ("sweep_inbox", "sweep_deliveries"):
        values = {"kinds": ["notifications" if name == "sweep_inbox" else "deliveries"]}
    try:
        return _converter.structure(values, job_class)
    except (cattrs.BaseValidationError, ValueError, TypeError) as error:
        raise ValueError(f"{name}: {error}") from None


class CattrsJobCodec:
    """JobCodec: `{"job": name, "kwargs": {...}}` as JSON."""

    def encode(self, job: Job) -> str:
        return json.dumps({"job": job_name(type(job)), "kwargs": job_kwargs(job)}, sort_keys=True)

    def decode(self, text: str) -> Job:
        try:
            data = json.loads(text)
        except ValueError:
            raise ValueError("a job reference must be JSON") from None
        if not isinstance(data, dict):
            raise ValueError("a job reference must be a JSON object")
        name = data.get("job") or data.get("actor")
        if not isinstance(name, str):
            raise ValueError("a job reference names its job")
        kwargs = data.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            raise ValueError("a job reference's kwargs must be an object")
        return job_from(name, kwargs)
