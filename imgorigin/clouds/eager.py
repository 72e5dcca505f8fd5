"""Eager derivatives of an upload or an ``explicit`` call (Cloudinary's ``eager`` and ``eager_async``).

Without ``eager_async`` they are rendered before the call answers (through the same slots, cache and
single-flight as delivery), so the answer carries their dimensions and sizes, and the first visitor
meets a cache hit. With it they join the durable eager queue (``imgorigin/services/eager.py``). Either way the
account may then serve them unsigned under its ``allowlist`` policy, as Cloudinary serves eagerly
created derivatives under strict transformations.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from imgorigin.clouds import records
from imgorigin.clouds.accounts import publish_account
from imgorigin.errors import Unavailable
from imgorigin.services.eager import EagerSpec, output_of, record_eager
from imgorigin.services.wiring import Services
from imgorigin.state.records import ImageRecord, User


@dataclass(frozen=True)
class Derivative:
    transformation: str
    extension: str
    width: int | None = None  # None while it waits in the queue (eager_async)
    height: int | None = None
    bytes: int | None = None


async def derive(services: Services, user: User, record: ImageRecord, specs: list[EagerSpec],
                 *, asynchronous: bool) -> list[Derivative]:
    """Render ``specs`` now (or queue them); a render that meets a busy node is queued instead, so the
    upload, already stored, still answers 200."""
    original = record.output_format.value
    done: list[Derivative] = []
    queued: list[EagerSpec] = list(specs) if asynchronous else []
    for spec in [] if asynchronous else specs:
        plan = services.transformations.parse(spec.transformation)
        fmt = output_of(plan, spec.extension or original)
        try:
            derived = await services.renderer.derive(record.id, plan, fmt)
        except Unavailable:
            queued.append(spec)
            continue
        width, height = await anyio.to_thread.run_sync(derived.dimensions)
        done.append(Derivative(spec.transformation, spec.extension or fmt.value, width, height, len(derived.data)))
    if queued:
        await anyio.to_thread.run_sync(record_eager, services.db, record.id, queued, original)
        if services.eager is not None:
            services.eager.notify()
        done += [Derivative(spec.transformation, spec.extension or original) for spec in queued]
    await anyio.to_thread.run_sync(_allow, services, user, [spec.transformation for spec in specs])
    return done


def _allow(services: Services, user: User, transformations: list[str]) -> None:
    new = set(transformations) - set(records.allowed_transformations(services.db, user.id))
    if new:
        records.allow_transformations(services.db, user.id, sorted(new))
        publish_account(services, user)
