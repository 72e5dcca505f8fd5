"""Who may create an account: ``IMGORIGIN_REGISTRATION=open|closed|invite``, and invitation codes.

- ``open`` (the default): anyone may ``POST /register``.
- ``closed``: only ``imgorigin user create`` on the server, or an administrator's token on ``/register``.
- ``invite``: ``/register`` needs an unused, unexpired ``invite`` code from ``imgorigin user invite`` or
  from an administrator's ``POST /invites``; each code makes one account.

Codes are stored as SHA-256 hashes: a copy of the database does not hold usable codes.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from imgorigin.errors import BadRequest, Forbidden
from imgorigin.state.db import Database
from imgorigin.state.records import User

MODES = ("open", "closed", "invite")
INVITE_DAYS = 7


def is_admin(db: Database, user_id: int) -> bool:
    row = db.connection().execute("select role from users where id = ?", [user_id]).fetchone()
    return row is not None and row[0] == "admin"


def set_role(db: Database, user_id: int, role: str) -> None:
    db.connection().execute("update users set role = ? where id = ?", [role, user_id])


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_invite(db: Database, now_iso: str, days: float = INVITE_DAYS) -> tuple[str, float]:
    """A new code and its expiry (Unix time)."""
    code = secrets.token_urlsafe(18)
    expires_at = time.time() + days * 86400
    db.connection().execute("insert into invites (code_hash, created_at, expires_at) values (?, ?, ?)",
                            [_hash(code), now_iso, expires_at])
    return code, expires_at


def claim_invite(db: Database, code: object) -> str:
    """Reserve an invite for an account being created; returns its hash (for ``settle_invite``)."""
    if not isinstance(code, str) or not code:
        raise Forbidden("Registration needs an invitation: send its code as 'invite'", code="invite_required")
    if len(code) > 200:
        raise BadRequest("invite must be at most 200 characters", code="invalid_invite")
    digest = _hash(code)
    cursor = db.connection().execute(
        "update invites set state = 'claimed' where code_hash = ? and state = 'new' and expires_at > ?",
        [digest, time.time()],
    )
    if cursor.rowcount != 1:
        raise Forbidden("This invitation is unknown, used or expired", code="invalid_invite")
    return digest


def settle_invite(db: Database, digest: str, user: User | None) -> None:
    """Mark a claimed invite used by ``user``, or release it when the account was not created."""
    if user is None:
        db.connection().execute("update invites set state = 'new' where code_hash = ? and state = 'claimed'",
                                [digest])
    else:
        db.connection().execute("update invites set state = 'used', used_by = ? where code_hash = ?",
                                [user.id, digest])
