"""``POST /images``' work once the body is spooled: the quota, the ``eager`` field and its overlays
checked, the original checked and stored in a render slot, its eager jobs recorded and their
transformations allowed for unsigned use, the pool woken."""

from __future__ import annotations

from pathlib import Path

from anyio.to_thread import run_sync

from imgorigin.clouds.accounts import allow_eager
from imgorigin.clouds.publicids import Naming
from imgorigin.clouds.state import Publisher
from imgorigin.errors import PayloadTooLarge, TooManyRequests
from imgorigin.services.eager import EagerSpec, EagerWorker, parse_eager, record_eager
from imgorigin.services.library import Library
from imgorigin.services.slots import RenderSlots
from imgorigin.services.transformations import Transformations
from imgorigin.state.db import Database
from imgorigin.state.records import EagerJob, ImageRecord, User


class Uploads:
    """Built once per worker with what an upload touches; the route keeps the rate, disk and body checks."""

    def __init__(self, db: Database, library: Library, transformations: Transformations, slots: RenderSlots,
                 publisher: Publisher, eager_worker: EagerWorker | None, *, user_quota: int,
                 eager_pending: int) -> None:
        self.db = db
        self.library = library
        self.transformations = transformations
        self.slots = slots
        self.publisher = publisher
        self.eager_worker = eager_worker  # None when IMGORIGIN_EAGER_CONCURRENCY is 0
        self.user_quota = user_quota
        self.eager_pending = eager_pending

    async def store(self, user: User, filename: str, spooled: Path, sha256: str,
                    fields: dict[str, str]) -> tuple[ImageRecord, list[EagerJob] | None]:
        """The stored image, and its eager jobs when the upload asked for some. ``spooled`` is consumed."""
        try:
            await check_quota(self.db, user.id, spooled.stat().st_size, self.user_quota)
            naming = Naming.from_fields(fields)
            eager = parse_eager(fields.get("eager", ""), self.transformations)
            if eager and self.eager_pending:
                pending = await run_sync(self.db.pending_eager, user.id)
                if pending + len(eager) > self.eager_pending:
                    raise TooManyRequests(
                        f"You have {pending} eager derivations waiting; at most {self.eager_pending} may wait: "
                        "retry when they are done", retry_after=30, code="eager_backlog",
                    )
            # Eager URLs are signed and handed out like /sign's: overlays must be the uploader's own images.
            for spec in eager:
                plan = self.transformations.parse(spec.transformation)
                await run_sync(self.library.require_own_layers, user.id, plan)
        except BaseException:
            spooled.unlink(missing_ok=True)
            raise
        # The checks decode every pixel: they take a render slot, so an upload flood meets the same 503.
        try:
            record = await self.slots.run(self.library.store_upload, user.id, filename, spooled, sha256, naming)
        finally:
            spooled.unlink(missing_ok=True)  # consumed by store_upload, or left when no slot was free
        if eager:
            await run_sync(self._record_eager, user, record, eager)
        if self.eager_worker is not None:  # eager renders, or the levels the upload left for later
            self.eager_worker.notify()
        return record, await run_sync(self.db.eager_for, record.id) if eager else None

    def _record_eager(self, user: User, record: ImageRecord, eager: list[EagerSpec]) -> None:
        record_eager(self.db, record.id, eager, record.output_format.value)
        allow_eager(self.db, self.publisher, self.transformations, user,
                    [spec.transformation for spec in eager])


async def check_quota(db: Database, user_id: int, adding: int, quota: int) -> None:
    """Refuse (413) an upload of ``adding`` bytes that would take the user's originals past ``quota``
    bytes; 0 is no quota (and no query). Every upload endpoint checks here."""
    if quota and await run_sync(db.bytes_used, user_id) + adding > quota:
        raise PayloadTooLarge(f"The upload would exceed your storage quota of {quota} bytes", code="quota_exceeded")
