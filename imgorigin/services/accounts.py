"""Deleting an account: the user, their image rows, then their files and cached derivatives.

The rows go first, in one transaction, so the account is gone at once (its tokens stop working at
the next request); files are removed afterwards. A crash in between leaves only files without rows,
which ``imgorigin doctor --fix`` removes after its grace period.
"""

from __future__ import annotations

from imgorigin.clouds.accounts import unpublish_account
from imgorigin.clouds.records import images_of
from imgorigin.services.library import remove_files
from imgorigin.services.wiring import Services


def delete_account(services: Services, user_id: int) -> int:
    """Delete the user and everything they stored; returns how many images went with them."""
    user = services.db.user(user_id)
    public_ids = [r.public_id for r in images_of(services.db, user_id) if r.public_id is not None]
    image_ids = services.db.delete_user(user_id)
    if user is not None:  # its cloud goes from render nodes too (within IMGORIGIN_STATE_TTL)
        unpublish_account(services, user, public_ids)
    for image_id in image_ids:
        remove_files(services, image_id)
    return len(image_ids)
