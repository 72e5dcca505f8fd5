"""What an upload leaves for later: its pyramid levels and its colour summary.

An upload answers as soon as its original is verified (every pixel decoded once) and stored. For an
original that gets pyramid levels (3 MP and more, and PNGs that get the full-size copy), building
them means another full decode and a JPEG q95 encode of a quarter of its pixels, and the summary a
shrink-on-load decode: together more than the check itself. So such an upload records a
``LEVELS_JOB`` in the eager table, in the same transaction as its row, and the eager worker pool does
the work: the job survives restarts, one worker at a time holds its lease, and it takes a render slot
like any render. Until it has run, renders read the original (a level that does not exist yet is
simply not found) and the image's ``colors``, ``blurhash`` and ``placeholder`` are null.

Small originals get no levels, and their summary stays in the upload: a thumbnail of under 3 MP costs
a few milliseconds.
"""

from __future__ import annotations

from pathlib import Path

from imgorigin.blob import Blob
from imgorigin.errors import NotFound
from imgorigin.info.summary import Summary, summarize
from imgorigin.services.pyramid import delete_levels, write_levels
from imgorigin.state.db import Database
from imgorigin.storage import Storage, original_key
from imgorigin.transform.deadline import Deadline, MemoryBudget
from imgorigin.transform.levels import PyramidPolicy, build_levels
from imgorigin.transform.source import Header, SourceLimits, read_header


class Ingest:
    """What an upload leaves for later, and the job that does it, over the store of originals and the
    database; reads sources under the server's caps and charges its decodes to the render memory."""

    def __init__(self, db: Database, storage: Storage, source_limits: SourceLimits,
                 pyramid: PyramidPolicy | None, memory: MemoryBudget, render_timeout: float, tmp_dir: Path) -> None:
        self.db = db
        self.storage = storage
        self.source_limits = source_limits
        self.pyramid = pyramid
        self.memory = memory
        self.render_timeout = render_timeout
        self.tmp_dir = tmp_dir

    def deferred(self, header: Header) -> bool:
        """Whether an upload of this header leaves its levels and summary to a job."""
        return self.pyramid is not None and bool(self.pyramid.level_sizes(header))

    def finish_upload(self, image_id: str) -> None:
        """Build and store the levels and the summary of a stored original (runs in a worker thread)."""
        blob = self.storage.get(original_key(image_id))
        if blob is None:
            raise NotFound("No such image", code="image_not_found")
        header = read_header(blob, self.source_limits)
        policy = self.pyramid or PyramidPolicy()
        # The levels are cut from the whole original in memory (50 MP: 150 MB): charged to the worker's
        # render memory like a render's copies (one original over the whole budget may run alone); when
        # renders hold it, the job waits, then is retried later (503 overloaded).
        held = min(header.width * header.height * (4 if header.has_alpha else 3), self.memory.limit)
        self.memory.reserve(held, Deadline(self.render_timeout))
        try:
            levels = build_levels(blob, header, policy)
        finally:
            self.memory.release(held)
        write_levels(self.storage, image_id, header, levels, self.tmp_dir)
        summary = summary_of(blob, levels)
        if not self.db.set_summary(image_id, summary.colors_json(), summary.blurhash, summary.placeholder):
            # Deleted while this ran: its row went first, and its files may have gone before ours came.
            delete_levels(self.storage, image_id, policy)


def summary_of(blob: Blob, levels: dict[int, bytes]) -> Summary:
    """The summary from the smallest level (upright, sRGB, a few hundred pixels wide), else the original."""
    if not levels:
        return summarize(blob)
    return summarize(Blob(data=levels[max(levels)]))
