"""The control plane's accounts: creating one (its cloud published for render nodes at once), signing
in, passwords and tokens, invitations, and deleting an account with everything it stored.

Deleting: the rows go first, in one transaction, so the account is gone at once (its tokens stop
working at the next request); files are removed afterwards. A crash in between leaves only files
without rows, which ``imgorigin doctor --fix`` removes after its grace period.
"""

from __future__ import annotations

from imgorigin.clouds.accounts import publish_account
from imgorigin.clouds.records import images_of
from imgorigin.clouds.state import Publisher
from imgorigin.errors import Forbidden, Unauthorized
from imgorigin.security import hash_password, verify_password, verify_password_timing_safe
from imgorigin.services.library import Library, now_iso
from imgorigin.services.registration import claim_invite, create_invite, is_admin, settle_invite
from imgorigin.state.db import Database
from imgorigin.state.records import User


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


class Accounts:
    """What ``/register``, ``/login``, ``/invites`` and ``/me`` do; each method runs in a worker thread."""

    def __init__(self, db: Database, library: Library, publisher: Publisher, bcrypt_rounds: int) -> None:
        self.db = db
        self.library = library
        self.publisher = publisher
        self.bcrypt_rounds = bcrypt_rounds

    def is_admin(self, user_id: int) -> bool:
        return is_admin(self.db, user_id)

    def claim_invite(self, code: object) -> str:
        return claim_invite(self.db, code)

    def create_invite(self) -> tuple[str, float]:
        return create_invite(self.db, now_iso())

    def create(self, username: str, password: str, invite: str | None) -> User:
        """A new account, its claimed ``invite`` (if any) settled either way, its cloud published."""
        try:
            hashed = hash_password(password, self.bcrypt_rounds)
            user = self.db.create_user(username, hashed, now_iso())
        except BaseException:
            if invite is not None:  # the code stays usable: nothing was created with it
                settle_invite(self.db, invite, None)
            raise
        if invite is not None:
            settle_invite(self.db, invite, user)
        publish_account(self.db, self.publisher, user)  # its cloud exists for render nodes from now on
        return user

    def authenticate(self, username: str, password: str) -> User | None:
        """The account when the password is right; as slow for an unknown name as for a wrong password."""
        found = self.db.user_with_hash(username)
        ok = verify_password_timing_safe(password, found[1] if found else None, self.bcrypt_rounds)
        return found[0] if ok and found is not None else None

    def change_password(self, user_id: int, current: str, new: str) -> User:
        """Every earlier token stops working; the user as it now is."""
        stored = self.db.password_hash(user_id)
        if stored is None:
            raise Unauthorized("Invalid or expired token", code="invalid_token")
        if not verify_password(current, stored):
            raise Forbidden("The current password is wrong", code="wrong_password")
        updated = self.db.set_password(user_id, hash_password(new, self.bcrypt_rounds))
        if updated is None:
            raise Unauthorized("Invalid or expired token", code="invalid_token")
        return updated

    def revoke_tokens(self, user_id: int) -> None:
        self.db.revoke_tokens(user_id)

    def delete(self, user_id: int) -> int:
        return delete_account(self.db, self.library, self.publisher, user_id)
