"""The eager table as a small durable work queue: eager derivatives and the work uploads leave for later.

Jobs are leased, not locked: a worker that dies mid-job lets its lease run out and the job is claimed
again (imgorigin/services/eager.py runs them).
"""

from __future__ import annotations

import sqlite_utils

from imgorigin.state.records import LEVELS_JOB, RENDER_JOB, EagerJob

_EAGER_COLUMNS = "id, image_id, transformation, format, state, error, attempts, updated_at, kind"
# As ``claim_eager``'s ``levels_until``: sorts after every stored timestamp, so no levels job waits.
EVERY_LEVELS_JOB = "~"


class EagerQueue:
    """The queue's statements; ``Database`` provides this thread's connection."""

    def _db(self) -> sqlite_utils.Database:
        raise NotImplementedError

    def add_eager(self, image_id: str, items: list[tuple[str, str]], now: str) -> None:
        with self._db().conn:
            self._db().conn.executemany(
                "insert or ignore into eager (image_id, transformation, format, created_at, updated_at)"
                " values (?, ?, ?, ?, ?)",
                [(image_id, transformation, fmt, now, now) for transformation, fmt in items],
            )

    def pending_eager(self, user_id: int) -> int:
        """Eager renders of a user's images not yet done (an upload asking for more is refused)."""
        row = self._db().execute(
            "select count(*) from eager join images on images.id = eager.image_id"
            " where images.user_id = ? and eager.state = 'pending' and eager.kind = ?", [user_id, RENDER_JOB],
        ).fetchone()
        return int(row[0])

    def image_owner(self, image_id: str) -> int | None:
        row = self._db().execute("select user_id from images where id = ?", [image_id]).fetchone()
        return None if row is None else int(row[0])

    def postpone_eager(self, job_id: int, not_before: float, now: str) -> None:
        """Put a leased job back until ``not_before`` without counting the attempt (its owner's render
        budget was spent: nothing was tried)."""
        self._db().execute(
            "update eager set lease_until = ?, attempts = attempts - 1, updated_at = ?"
            " where id = ? and state = 'pending'",
            [not_before, now, job_id],
        )

    def add_job(self, image_id: str, kind: str, now: str) -> None:
        """A job with no transformation of its own (``LEVELS_JOB``), at most one per image and kind."""
        self._db().execute(
            "insert or ignore into eager (image_id, transformation, format, kind, created_at, updated_at)"
            " values (?, '', '', ?, ?, ?)",
            [image_id, kind, now, now],
        )

    def eager_for(self, image_id: str, kind: str = RENDER_JOB) -> list[EagerJob]:
        rows = self._db().execute(
            f"select {_EAGER_COLUMNS} from eager where image_id = ? and kind = ? order by id", [image_id, kind]
        )
        return [EagerJob(*row) for row in rows]

    def claim_eager(self, limit: int, lease_seconds: float, now: float,
                    levels_until: str = EVERY_LEVELS_JOB) -> list[EagerJob]:
        """Lease up to ``limit`` pending jobs. One statement, so two workers never claim the same job;
        a worker that dies mid-job lets its lease run out and the job is claimed again. Levels jobs
        recorded after ``levels_until`` (a stored timestamp) are left for later."""
        # Idle polling stays a read (no write lock on the database) until there is something to take.
        claimable = (
            "state = 'pending' and (lease_until is null or lease_until < ?)"
            f" and (kind != '{LEVELS_JOB}' or created_at <= ?)"
        )
        if self._db().execute(
            f"select 1 from eager where {claimable} limit 1", [now, levels_until],
        ).fetchone() is None:
            return []
        rows = self._db().execute(
            "update eager set lease_until = ?, attempts = attempts + 1 where id in ("
            f" select id from eager where {claimable}"
            f" order by id limit ?) returning {_EAGER_COLUMNS}",
            [now + lease_seconds, now, levels_until, limit],
        ).fetchall()
        return sorted((EagerJob(*row) for row in rows), key=lambda job: job.id)

    def last_recorded(self, kind: str, count: int) -> list[str]:
        """When the newest ``count`` jobs of ``kind`` were recorded, newest first."""
        rows = self._db().execute(
            "select created_at from eager where kind = ? order by id desc limit ?", [kind, count],
        )
        return [str(row[0]) for row in rows]

    def finish_eager(self, job_id: int, state: str, error: str | None, now: str) -> None:
        self._db().execute(
            "update eager set state = ?, error = ?, lease_until = null, updated_at = ? where id = ?",
            [state, error, now, job_id],
        )

    def retry_eager(self, job_id: int, not_before: float, error: str, now: str) -> None:
        self._db().execute(
            "update eager set lease_until = ?, error = ?, updated_at = ? where id = ? and state = 'pending'",
            [not_before, error, now, job_id],
        )
