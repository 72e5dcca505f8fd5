"""What a crash or a hand edit can leave inconsistent, found and repaired (``imgorigin doctor [--fix]``).

The write order makes most damage impossible: an upload is renamed into place before its row is
committed, and deletes remove the row before the files. What can remain, and what ``--fix`` does:

- a row whose original is missing (storage lost or edited by hand): the row is moved, whole, to the
  ``quarantine`` table and its cache entries go; once the original is back, the next run restores it;
- an original or pyramid level with no row (a crash between rename and commit, or during a delete),
  older than the grace period so an upload in flight is never touched: the file goes;
- spooled uploads left in ``tmp/`` by a killed worker, older than the grace period: removed;
- derived images cached for an image that no longer exists: evicted.

A repair never takes metadata or originals out wholesale: ``--fix`` changes nothing, says why and
exits 2 when the storage cannot be read or looks absent (rows but not one original: an unmounted
volume, a wrong bucket), when the database looks absent (originals, more than one, but no rows), or
when more than ``--max-loss`` of the rows (or of the originals) would go, beyond a few. ``--force``
overrides that after a human has looked.

The exit status is 0 when nothing is (left) wrong, 1 otherwise, 2 when a repair was refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from imgorigin.config import Settings
from imgorigin.errors import Unavailable
from imgorigin.services.library import now_iso
from imgorigin.state.cache import DerivedCache
from imgorigin.state.db import Database
from imgorigin.storage import Storage, make_storage, original_key

DEFAULT_GRACE = 3600.0
DEFAULT_MAX_LOSS = 0.1
# Up to this many rows (or originals) may go whatever their share: a small library loses one image.
ALWAYS_ALLOWED = 10
LOST_ROW = "row without file"
ORPHAN = "file without row"
# Pyramid levels are stored as "pyramid/<id>_<denominator>".
_LEVEL_PREFIX = "pyramid"


@dataclass
class Finding:
    kind: str
    subject: str
    repair: Callable[[], object] | None = None
    fixed: bool = False


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    in_grace: int = 0
    rows: int = 0
    originals: int = 0
    quarantined: int = 0

    def count(self, kind: str, prefix: str = "") -> int:
        return sum(1 for f in self.findings if f.kind == kind and f.subject.startswith(prefix))

    @property
    def remaining(self) -> list[Finding]:
        return [f for f in self.findings if not f.fixed]


def _modified(storage: Storage, key: str) -> float | None:
    """When the object was written, where the backend can tell; None means "long ago"."""
    path_for = getattr(storage, "path_for", None)
    if path_for is not None:
        try:
            return float(path_for(key).stat().st_mtime)
        except FileNotFoundError:
            return None
    client = getattr(storage, "client", None)
    if client is not None:
        return float(client.stat_object(storage.bucket, key).last_modified.timestamp())  # type: ignore[attr-defined]
    return None


def _image_of(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return name.split("_", 1)[0] if key.startswith(_LEVEL_PREFIX + "/") else name


def examine(settings: Settings, db: Database, storage: Storage, cache: DerivedCache, grace: float,
            now: float | None = None) -> Report:
    now = time.time() if now is None else now
    report = Report()
    ids = db.all_image_ids()
    report.rows = len(ids)

    lost = {image_id for image_id in ids if not storage.exists(original_key(image_id))}
    for image_id in sorted(lost):
        def set_aside(image_id: str = image_id) -> None:
            db.quarantine_image(image_id, "original missing", now_iso())
            cache.evict_image(image_id)

        report.findings.append(Finding(LOST_ROW, image_id, set_aside))

    quarantined = db.quarantined()
    for image_id in sorted(quarantined):
        if storage.exists(original_key(image_id)):
            report.findings.append(Finding("quarantined row whose original is back", image_id,
                                           partial(db.restore_image, image_id)))
        else:
            report.quarantined += 1

    for prefix in ("originals", _LEVEL_PREFIX):
        for key in list(storage.keys(prefix)):
            report.originals += prefix == "originals"
            if _image_of(key) in (ids - lost) | quarantined.keys():  # a lost original's levels go with its row
                continue
            modified = _modified(storage, key)
            if modified is not None and now - modified < grace:
                report.in_grace += 1
                continue
            report.findings.append(Finding("file without row", key, partial(storage.delete, key)))

    spool = settings.data_dir / "tmp"
    for path in sorted(spool.glob("*")) if spool.is_dir() else []:
        if not path.is_file():
            continue
        if now - path.stat().st_mtime < grace:
            report.in_grace += 1
            continue
        report.findings.append(Finding("stale spool file", str(path.relative_to(settings.data_dir)),
                                       partial(path.unlink, missing_ok=True)))

    live = db.all_image_ids()
    for image_id in sorted(cache.image_ids() - live):
        report.findings.append(Finding("cache entries of a deleted image", image_id,
                                       partial(cache.evict_image, image_id)))
    return report


def repair(report: Report) -> None:
    for finding in report.findings:
        if finding.repair is not None:
            finding.repair()
            finding.fixed = True


def refusal(settings: Settings, report: Report, max_loss: float) -> str | None:
    """Why ``--fix`` must not run on this report, or None."""
    rows_going, files_going = report.count(LOST_ROW), report.count(ORPHAN, "originals/")
    where = f"bucket {settings.s3_bucket!r}" if settings.storage == "s3" else str(settings.data_dir / "originals")
    if rows_going and report.originals == 0:
        return (f"the storage looks absent: {report.rows} image row(s) but not one original in {where}. "
                "Is the volume mounted, the bucket the right one?")
    if files_going > 1 and report.rows == 0:  # one is what a crash before the first commit leaves
        return (f"the database looks absent: {report.originals} original(s) in {where} but no image row in "
                f"{settings.db_path}. Is this the right data directory?")
    for going, total, what in ((rows_going, report.rows, "image rows have no original"),
                               (files_going, report.originals, "originals have no row")):
        if going > max(ALWAYS_ALLOWED, max_loss * total):
            return (f"{going} of {total} {what} ({going / total:.0%}), more than --max-loss {max_loss:.0%}: "
                    "that looks like a storage or configuration problem, not crash debris")
    return None


def run(settings: Settings, *, fix: bool, grace: float, out: Callable[[str], None] = print,
        max_loss: float = DEFAULT_MAX_LOSS, force: bool = False) -> int:
    db = Database(settings.db_path)
    storage = make_storage(settings)
    cache = DerivedCache(settings.cache_dir, settings.cache_size)
    try:
        try:
            report = examine(settings, db, storage, cache, grace)
        except Unavailable as exc:
            out(f"refused: the storage cannot be read ({exc.detail or exc.message}); nothing was changed")
            return 2
        refused = refusal(settings, report, max_loss) if fix and not force else None
        if fix and refused is None:
            repair(report)
    finally:
        cache.close()
    for finding in report.findings:
        out(f"{'fixed' if finding.fixed else 'problem'}: {finding.kind}: {finding.subject}")
    if report.in_grace:
        out(f"note: {report.in_grace} recent file(s) without a row left alone (younger than {grace:g}s)")
    if report.quarantined:
        out(f"note: {report.quarantined} row(s) in quarantine, their original still missing "
            "(restored by the next run once the file is back)")
    if refused is not None:
        out(f"refused: {refused} Nothing was changed; --force repairs anyway (rows are quarantined, not deleted).")
        return 2
    remaining = len(report.remaining)
    out(f"{len(report.findings)} problem(s) found, {len(report.findings) - remaining} fixed, {remaining} remaining")
    return 1 if remaining else 0
