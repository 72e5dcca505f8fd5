"""Eager derivatives of an upload or an ``explicit`` call (Cloudinary's ``eager`` and ``eager_async``).

Without ``eager_async`` they are rendered before the call answers (through the same slots, cache and
single-flight as delivery), so the answer carries their dimensions and sizes, and the first visitor
meets a cache hit. With it they join the durable eager queue (``imgorigin/services/eager.py``). Either
way the account may then serve them unsigned under its ``allowlist`` policy, as Cloudinary serves
eagerly created derivatives under strict transformations.

The ``eager`` field is resolved exactly as the account's delivery URLs are (``clouds/plans.py``): its
named transformations (``t_<name>``, created with the Admin API) expand, overlays name its public ids.
What is rendered, now or from the queue, is that resolved plan, so the eager URL handed back (which
keeps the caller's ``t_<name>``) meets the rendered derivative in the cache.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.from_thread
import anyio.to_thread

from imgorigin.clouds import records
from imgorigin.clouds.accounts import account_state, publish_account
from imgorigin.clouds.plans import AccountPlans
from imgorigin.clouds.state import Published, Publisher
from imgorigin.errors import InvalidTransformation, Unavailable
from imgorigin.services.eager import EagerSpec, EagerWorker, eager_plans, output_of, record_eager
from imgorigin.services.renderer import Renderer
from imgorigin.services.transformations import Transformations
from imgorigin.state.db import Database
from imgorigin.state.records import ImageRecord, User
from imgorigin.transform.transformation import Transformation


@dataclass(frozen=True)
class Derivative:
    transformation: str
    extension: str
    width: int | None = None  # None while it waits in the queue (eager_async)
    height: int | None = None
    bytes: int | None = None


@dataclass(frozen=True)
class Eager:
    spec: EagerSpec  # as the caller wrote it: the answer's URLs keep it
    plan: Transformation  # resolved as the account's delivery URL is


@dataclass(frozen=True)
class CloudEager:
    """The Upload API's eager derivatives: resolved as the account's delivery URLs are (``AccountPlans``
    over the parser and the published state), then rendered by the renderer or queued for the pool."""

    db: Database
    renderer: Renderer
    eager_worker: EagerWorker | None  # None when IMGORIGIN_EAGER_CONCURRENCY is 0
    publisher: Publisher
    transformations: Transformations
    published: Published

    async def prepare(self, user: User, text: str) -> list[Eager]:
        """The call's ``eager`` field, checked and resolved before anything is stored (400 otherwise)."""
        if not text.strip():
            return []
        state = await anyio.to_thread.run_sync(account_state, self.db, user)
        account = AccountPlans(self.transformations, self.published, user.username, state)

        def plan_of(transformation: str) -> Transformation:
            plan = anyio.from_thread.run(account.plan, transformation)[0]
            if not isinstance(plan, Transformation):  # a Program: evaluated on a header this call has not read
                raise InvalidTransformation("Eager transformations cannot use variables, arithmetic or if_ conditions")
            return plan

        plans = await anyio.to_thread.run_sync(eager_plans, text, plan_of)
        return [Eager(spec, plan) for spec, plan in plans]

    async def derive(self, user: User, record: ImageRecord, items: list[Eager],
                     *, asynchronous: bool) -> list[Derivative]:
        """Render ``items`` now (or queue them); a render that meets a busy node is queued instead, so the
        upload, already stored, still answers 200."""
        original = record.output_format.value
        done: list[Derivative] = []
        queued: list[Eager] = list(items) if asynchronous else []
        for item in [] if asynchronous else items:
            spec = item.spec
            fmt = output_of(item.plan, spec.extension or original)
            try:
                derived = await self.renderer.derive(record.id, item.plan, fmt)
            except Unavailable:
                queued.append(item)
                continue
            width, height = await anyio.to_thread.run_sync(derived.dimensions)
            done.append(Derivative(spec.transformation, spec.extension or fmt.value, width, height, len(derived.data)))
        if queued:
            # The queue keeps the resolved plan: the render node that takes the job knows no account.
            jobs = [EagerSpec(item.plan.canonical(), item.spec.extension) for item in queued]
            await anyio.to_thread.run_sync(record_eager, self.db, record.id, jobs, original)
            if self.eager_worker is not None:
                self.eager_worker.notify()
            done += [Derivative(item.spec.transformation, item.spec.extension or original) for item in queued]
        await anyio.to_thread.run_sync(self._allow, user, [item.spec.transformation for item in items])
        return done

    def _allow(self, user: User, transformations: list[str]) -> None:
        new = set(transformations) - set(records.allowed_transformations(self.db, user.id))
        if new:
            records.allow_transformations(self.db, user.id, sorted(new))
            publish_account(self.db, self.publisher, user)
