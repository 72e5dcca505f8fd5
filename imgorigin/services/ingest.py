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

from typing import TYPE_CHECKING

from imgorigin.blob import Blob
from imgorigin.errors import NotFound
from imgorigin.info.summary import Summary, summarize
from imgorigin.services.pyramid import delete_levels, write_levels
from imgorigin.storage import original_key
from imgorigin.transform.deadline import Deadline
from imgorigin.transform.levels import PyramidPolicy, build_levels
from imgorigin.transform.source import Header, read_header

if TYPE_CHECKING:
    from imgorigin.services.wiring import Services


def deferred(services: Services, header: Header) -> bool:
    """Whether an upload of this header leaves its levels and summary to a job."""
    pyramid = services.renderer.pyramid
    return pyramid is not None and bool(pyramid.level_sizes(header))


def finish_upload(services: Services, image_id: str) -> None:
    """Build and store the levels and the summary of a stored original (runs in a worker thread)."""
    storage = services.storage
    blob = storage.get(original_key(image_id))
    if blob is None:
        raise NotFound("No such image", code="image_not_found")
    header = read_header(blob, services.renderer.source_limits)
    policy = services.renderer.pyramid or PyramidPolicy()
    # The levels are cut from the whole original in memory (50 MP: 150 MB): charged to the worker's
    # render memory like a render's copies (one original over the whole budget may run alone); when
    # renders hold it, the job waits, then is retried later (503 overloaded).
    memory = services.renderer.memory
    held = min(header.width * header.height * (4 if header.has_alpha else 3), memory.limit)
    memory.reserve(held, Deadline(services.settings.render_timeout))
    try:
        levels = build_levels(blob, header, policy)
    finally:
        memory.release(held)
    write_levels(storage, image_id, header, levels, services.settings.data_dir / "tmp")
    summary = summary_of(blob, levels)
    if not services.db.set_summary(image_id, summary.colors_json(), summary.blurhash, summary.placeholder):
        # Deleted while this ran: its row went first, and its files may have gone before ours came.
        delete_levels(storage, image_id, policy)


def summary_of(blob: Blob, levels: dict[int, bytes]) -> Summary:
    """The summary from the smallest level (upright, sRGB, a few hundred pixels wide), else the original."""
    if not levels:
        return summarize(blob)
    return summarize(Blob(data=levels[max(levels)]))
