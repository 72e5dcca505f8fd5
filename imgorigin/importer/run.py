"""Running an import: items in parallel through the Upload API, a progress bar, and the final report."""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TextIO

from imgorigin.importer.client import Api, ApiError, content_etags
from imgorigin.importer.journal import Journal
from imgorigin.importer.sources import Item

BAR = 30


@dataclass
class Report:
    total: int = 0
    imported: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        rate = (self.imported + self.skipped) / self.seconds if self.seconds else 0.0
        lines = [f"{self.imported} imported, {self.skipped} skipped (already there), {len(self.failed)} failed"
                 f" of {self.total} in {self.seconds:.1f} s ({rate:.1f} images/s)"]
        lines += [f"  failed {public_id}: {reason}" for public_id, reason in self.failed]
        return "\n".join(lines)


class Bar:
    """Images done out of the total, on stderr: redrawn in place on a terminal, every tenth in a log."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream, self.done = max(total, 1), stream, 0
        self.tty = stream.isatty()
        self.shown_tenth = -1
        self.lock = threading.Lock()

    def step(self, report: Report) -> None:
        with self.lock:
            self.done += 1
            tenth = self.done * 10 // self.total
            if not self.tty and tenth == self.shown_tenth:
                return
            self.shown_tenth = tenth
            filled = BAR * self.done // self.total
            text = (f"[{'#' * filled}{'.' * (BAR - filled)}] {self.done}/{self.total}  "
                    f"{report.imported} imported, {report.skipped} skipped, {len(report.failed)} failed")
            self.stream.write(("\r\033[K" + text) if self.tty else text + "\n")
            self.stream.flush()


def _upload_options(item: Item, eager: str) -> dict[str, str]:
    options = {"public_id": item.public_id, "overwrite": "true", "unique_filename": "false"}
    if eager:
        options.update(eager=eager, eager_async="true")
    return options


def _entry(public_id: str, sha256: str | None, answer: dict[str, Any]) -> dict[str, Any]:
    keep = ("version", "format", "width", "height", "bytes", "etag", "secure_url", "url")
    known = {"sha256": sha256} if sha256 else {}
    return {"public_id": public_id, **known, **{k: answer[k] for k in keep if k in answer}}


def run_import(items: Iterable[Item], target: Api, journal: Journal, *, workers: int = 4, eager: str = "",
               stream: TextIO = sys.stderr) -> Report:
    started = time.monotonic()
    report = Report()
    queue: list[Item] = []
    seen: dict[str, str] = {}
    for item in items:
        report.total += 1
        if item.public_id in seen:
            report.failed.append((item.public_id, f"{item.origin}: public id already taken by {seen[item.public_id]}"))
            continue
        seen[item.public_id] = item.origin
        queue.append(item)
    on_target = {str(r["public_id"]): r for r in target.resources()}
    bar = Bar(len(queue), stream)
    lock = threading.Lock()

    def outcome(item: Item) -> str:
        there = on_target.get(item.public_id, {})
        if item.etag and str(there.get("etag", "")) == item.etag:
            # The source and the target report the same content tag: no need to download it.
            journal.record(_entry(item.public_id, journal.entries.get(item.public_id, {}).get("sha256"), there))
            return "skipped"
        data = item.read()
        sha256 = hashlib.sha256(data).hexdigest()
        if journal.done(item.public_id, sha256) is not None:
            return "skipped"
        if str(there.get("etag", "")) in content_etags(data):
            journal.record(_entry(item.public_id, sha256, there))
            return "skipped"
        journal.record(_entry(item.public_id, sha256, target.upload(data, item.filename, _upload_options(item, eager))))
        return "imported"

    def one(item: Item) -> None:
        try:
            result = outcome(item)
        except (ApiError, OSError) as exc:
            with lock:
                report.failed.append((item.public_id, str(exc)))
        else:
            with lock:
                setattr(report, result, getattr(report, result) + 1)
        bar.step(report)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, queue))
    if bar.tty:
        stream.write("\n")
    report.seconds = time.monotonic() - started
    return report
