"""``imgorigin user create|list|delete|set-password|invite``: accounts, administered on the server itself.

These commands open the server's database directly (the same ``IMGORIGIN_*`` settings as ``serve``), so
they work whatever ``IMGORIGIN_REGISTRATION`` says: on a closed install they are how accounts are made.
"""

from __future__ import annotations

import argparse
import getpass
import os
from datetime import UTC, datetime
from typing import Any

from imgorigin.environment import local_settings
from imgorigin.errors import NotFound


def _new_password(args: argparse.Namespace) -> str:
    from imgorigin.security import check_password_rules

    password = args.password or os.environ.get("IMGORIGIN_NEW_PASSWORD") or getpass.getpass("Password: ")
    return check_password_rules(password)


def _database() -> Any:
    from imgorigin.state.db import Database

    return Database(local_settings().db_path)


def _user_id(db: Any, username: str) -> int:
    found = db.user_with_hash(username.lower())
    if found is None:
        raise NotFound(f"no user named {username!r}", code="user_not_found")
    return int(found[0].id)


def cmd_create(args: argparse.Namespace) -> int:
    from imgorigin.clouds.accounts import publish_account_of
    from imgorigin.security import check_username, hash_password
    from imgorigin.services.library import now_iso
    from imgorigin.services.registration import set_role
    from imgorigin.state.db import Database

    settings = local_settings()
    username = check_username(args.username)
    password = _new_password(args)
    db = Database(settings.db_path)
    user = db.create_user(username, hash_password(password, settings.bcrypt_rounds), now_iso())
    if args.admin:
        set_role(db, user.id, "admin")
    publish_account_of(settings, db, user)  # its cloud exists for render nodes
    print(f"created {'administrator' if args.admin else 'user'} {user.username} (id {user.id})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from imgorigin.client.progress import human_bytes

    rows = _database().connection().execute(
        "select users.id, users.username, users.role, users.created_at, count(images.id),"
        " coalesce(sum(images.bytes), 0) from users left join images on images.user_id = users.id"
        " group by users.id order by users.id"
    ).fetchall()
    print(f"{'id':>5}  {'username':<32} {'role':<6} {'images':>7} {'stored':>10}  created")
    for user_id, username, role, created_at, images, size in rows:
        print(f"{user_id:>5}  {username:<32} {role:<6} {images:>7} {human_bytes(size):>10}  {created_at}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from imgorigin.services.accounts import delete_account
    from imgorigin.services.wiring import Services

    services = Services.build(local_settings())
    try:
        user_id = _user_id(services.db, args.username)
        if not args.yes and input(f"Delete {args.username} and all their images? [y/N] ").strip().lower() != "y":
            print("nothing deleted")
            return 1
        count = delete_account(services.db, services.library, services.publisher, user_id)
    finally:
        services.close()
    print(f"deleted user {args.username.lower()} and {count} image{'s' if count != 1 else ''}")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    from imgorigin.security import hash_password
    from imgorigin.state.db import Database

    settings = local_settings()
    db = Database(settings.db_path)
    user_id = _user_id(db, args.username)
    hashed = hash_password(_new_password(args), settings.bcrypt_rounds)
    db.set_password(user_id, hashed)  # every token issued before stops working
    print(f"password of {args.username.lower()} changed")
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    from imgorigin.services.library import now_iso
    from imgorigin.services.registration import create_invite

    code, expires_at = create_invite(_database(), now_iso(), args.days)
    expires = datetime.fromtimestamp(expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{code}\n(one account, until {expires}; POST /register with \"invite\": \"{code}\")")
    return 0


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="manage accounts (on the server)")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    create = user_sub.add_parser("create", help="create an account")
    create.add_argument("username")
    create.add_argument("--password", help="(default: prompt, or IMGORIGIN_NEW_PASSWORD)")
    create.add_argument("--admin", action="store_true", help="an administrator (may invite and create accounts)")
    create.set_defaults(func=cmd_create)
    listing = user_sub.add_parser("list", help="list accounts with their image counts")
    listing.set_defaults(func=cmd_list)
    delete = user_sub.add_parser("delete", help="delete an account and all its images")
    delete.add_argument("username")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(func=cmd_delete)
    password = user_sub.add_parser("set-password", help="set an account's password")
    password.add_argument("username")
    password.add_argument("--password", help="(default: prompt, or IMGORIGIN_NEW_PASSWORD)")
    password.set_defaults(func=cmd_set_password)
    invite = user_sub.add_parser("invite", help="print an invitation code (IMGORIGIN_REGISTRATION=invite)")
    invite.add_argument("--days", type=float, default=7.0, help="how long the code stays valid (default 7)")
    invite.set_defaults(func=cmd_invite)
