"""Deleting an account: the user, their image rows, then their files and cached derivatives.

The rows go first, in one transaction, so the account is gone at once (its tokens stop working at
the next request); files are removed afterwards. A crash in between leaves only files without rows,
which ``imgorigin doctor --fix`` removes after its grace period.
"""

from __future__ import annotations

from imgorigin.clouds.records import images_of
from imgorigin.clouds.state import Publisher
from imgorigin.services.library import Library
from imgorigin.state.db import Database


def delete_account(db: Database, library: Library, publisher: Publisher, user_id: int) -> int:
    """Delete the user and everything they stored; returns how many images went with them."""
    user = db.user(user_id)
    public_ids = [r.public_id for r in images_of(db, user_id) if r.public_id is not None]
    image_ids = db.delete_user(user_id)
    if user is not None:  # its cloud goes from render nodes too (within IMGORIGIN_STATE_TTL)
        for public_id in public_ids:
            publisher.remove_pointer(user.username, public_id)
        publisher.remove_account(user.username)
    for image_id in image_ids:
        library.remove_files(image_id)
    return len(image_ids)
