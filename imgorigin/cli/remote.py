"""Client commands of ``imgorigin``: ``login``, ``logout``, ``profiles``, ``ls``, ``rm``, ``url`` (``upload``
is in ``upload``). They talk HTTP to a server.

Nothing here imports the server's internals, so the commands work against any imgorigin server: requests
go through ``imgorigin.client.api``, logins are saved per profile (``--profile``, several servers) by
``imgorigin.client.profiles``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from imgorigin.client.api import Api
from imgorigin.client.profiles import (
    ClientError,
    credentials_path,
    forget_profile,
    load_profile,
    load_profiles,
    profile_name,
    save_profile,
)
from imgorigin.client.progress import human_bytes

DEFAULT_SERVER = "http://127.0.0.1:8080"
def server_of(args: argparse.Namespace, saved: dict[str, str]) -> str:
    return args.server or os.environ.get("IMGORIGIN_SERVER") or saved.get("server") or DEFAULT_SERVER


def logged_in(args: argparse.Namespace) -> Api:
    profile = profile_name(args.profile)
    saved = load_profile(profile)
    server = server_of(args, saved)
    login_hint = "imgorigin login" + ("" if profile == "default" else f" --profile {profile}")
    if not saved.get("token"):
        raise ClientError(f"not logged in: run {login_hint}")
    if saved.get("server", server).rstrip("/") != server.rstrip("/"):
        raise ClientError(f"the saved token is for {saved['server']}; run {login_hint} --server {server}")
    return Api(server, saved["token"])


def cmd_login(args: argparse.Namespace) -> int:
    profile = profile_name(args.profile)
    server = server_of(args, load_profile(profile))
    username = args.username or input("Username: ")
    password = args.password or os.environ.get("IMGORIGIN_PASSWORD") or getpass.getpass("Password: ")
    answer = Api(server).call("POST", "/register" if args.register else "/login",
                              json={"username": username, "password": password})
    username = answer["user"]["username"]
    path = save_profile(profile, {"server": server, "username": username, "token": answer["token"]})
    verb = "registered and logged in" if args.register else "logged in"
    named = "" if profile == "default" else f" as profile {profile}"
    print(f"{verb} as {username} on {server}{named} (token saved to {path})")
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    profile = profile_name(args.profile)
    if args.everywhere:
        # Revokes every token of the account on the server, copies elsewhere included.
        logged_in(args).call("POST", "/me/logout-everywhere")
    # Otherwise the token stays valid until it expires; forgetting it is what a client alone can do.
    if not forget_profile(profile):
        raise ClientError(f"no saved login for the profile {profile}")
    everywhere = " everywhere" if args.everywhere else ""
    print(f"logged out{everywhere} of the profile {profile} (removed from {credentials_path()})")
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    profiles = load_profiles()
    if not profiles:
        raise ClientError("no saved logins: run imgorigin login")
    width = max(len(name) for name in profiles)
    for name, saved in sorted(profiles.items()):
        print(f"{name:<{width}}  {saved.get('server', '?')}  {saved.get('username', '?')}")
    return 0


def _all_images(api: Api) -> Iterator[dict[str, Any]]:
    page = 1
    while True:
        answer = api.call("GET", "/images", params={"page": page, "limit": 100})
        yield from answer["items"]
        if page >= answer["pages"]:
            return
        page += 1


def cmd_ls(args: argparse.Namespace) -> int:
    images = list(_all_images(logged_in(args)))
    if args.json:
        print(json.dumps(images, indent=2))
        return 0
    rows = [("ID", "SIZE", "BYTES", "FORMAT", "CREATED", "FILENAME")]
    rows += [(i["id"], f"{i['width']}x{i['height']}", human_bytes(i["bytes"]), i["format"],
              i["created_at"][:19].replace("T", " "), i["filename"]) for i in images]
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    print(f"{len(images)} image{'s' if len(images) != 1 else ''}", file=sys.stderr)
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    api = logged_in(args)
    failed = 0
    for image_id in args.ids:
        try:
            api.call("DELETE", f"/images/{image_id}")
        except ClientError as exc:
            failed += 1
            print(f"imgorigin: {image_id}: {exc}", file=sys.stderr)
            continue
        print(f"deleted {image_id}")
    return 1 if failed else 0


_PIXELS = re.compile(r"([wh])_([0-9]+)")


def at_width(transformation: str, width: int) -> str:
    """The transformation resized to ``width`` in its last component that sizes (else in a new one).

    A pixel height is scaled to keep the shape; any other height is dropped, since an srcset entry is
    described by its width alone.
    """
    components = transformation.split("/") if transformation else []
    sizing = [i for i, c in enumerate(components) if any(t.startswith(("w_", "h_")) for t in c.split(","))]
    if not sizing:
        return "/".join([*components, f"w_{width}"])
    index = sizing[-1]
    tokens = components[index].split(",")
    pixels = {m[1]: int(m[2]) for t in tokens if (m := _PIXELS.fullmatch(t))}
    tokens = [t for t in tokens if not t.startswith(("w_", "h_"))]
    if "w" in pixels and "h" in pixels:
        tokens.append(f"h_{max(1, round(pixels['h'] * width / pixels['w']))}")
    components[index] = ",".join([*tokens, f"w_{width}"])
    return "/".join(components)


def cmd_url(args: argparse.Namespace) -> int:
    api = logged_in(args)
    transformation = "" if args.transformation in ("", "-") else args.transformation
    base: dict[str, str] = {"id": args.id}
    if args.format:
        base["format"] = args.format
    if not args.srcset:
        print(_sign(api, [{**base, "transformation": transformation}])[0]["url"])
        return 0
    try:
        widths = [int(w) for w in args.srcset.split(",")]
    except ValueError:
        raise ClientError("--srcset: expected pixel widths separated by commas, e.g. 320,640,1280") from None
    items = [{**base, "transformation": at_width(transformation, w)} for w in widths]
    signed = _sign(api, items)
    print(", ".join(f"{item['url']} {w}w" for item, w in zip(signed, widths, strict=True)))
    return 0


_ITEM_FIELD = re.compile(r"^items\[(\d+)\]\.(\w+): ")


def _sign(api: Api, items: list[dict[str, str]]) -> list[dict[str, Any]]:
    """POST /sign, with its errors put in the words of the command line: the request's field paths
    (``items[0].transformation``) mean nothing to whoever typed the command."""
    try:
        return list(api.call("POST", "/sign", json={"items": items})["items"])
    except ClientError as exc:
        message = str(exc)
        found = _ITEM_FIELD.match(message)
        if found is None:
            raise
        item, field = items[int(found[1])], found[2]
        rest = message[found.end():]
        named = {"id": f"{item['id']}: ", "format": "--format: "}.get(field, "")
        if field == "transformation" and item["transformation"] not in rest:
            named = f"{item['transformation']}: "
        raise ClientError(named + rest) from None


def _friendly(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except ClientError as exc:
            print(f"imgorigin: {exc}", file=sys.stderr)
            return 1

    return run


def add_command(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str, func: Callable[[argparse.Namespace], int], help: str,
) -> argparse.ArgumentParser:
    """A client subcommand, with the options every one of them takes."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help)
    parser.add_argument(
        "--server", help=f"server URL (default: $IMGORIGIN_SERVER, the profile's, else {DEFAULT_SERVER})"
    )
    parser.add_argument(
        "--profile", help="which saved login to use, one per server (default: $IMGORIGIN_PROFILE, else default)"
    )
    parser.set_defaults(func=_friendly(func))
    return parser


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def add(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        return add_command(sub, name, func, help)

    login = add("login", cmd_login, "log in to a server and save the token")
    login.add_argument("--username", "-u")
    login.add_argument("--password", help="(default: $IMGORIGIN_PASSWORD, else a prompt)")
    login.add_argument("--register", action="store_true", help="create the account first")

    logout = add("logout", cmd_logout, "forget the profile's saved token")
    logout.add_argument("--everywhere", action="store_true",
                        help="also revoke every token of the account on the server (all devices)")
    add("profiles", cmd_profiles, "list the saved logins: profile, server, user")

    ls = add("ls", cmd_ls, "list your images")
    ls.add_argument("--json", action="store_true", help="print the API's JSON")

    rm = add("rm", cmd_rm, "delete images (their URLs stop working)")
    rm.add_argument("ids", nargs="+", metavar="ID")

    url = add("url", cmd_url, "a signed URL (or srcset) from the server, for one of your images")
    url.add_argument("id")
    url.add_argument("transformation", help="e.g. c_fill,w_400,h_300/e_grayscale ('' or - for none)")
    url.add_argument("--format", help="output format / extension (default: the original's)")
    url.add_argument("--srcset", help="widths, e.g. 320,640,1280: prints an srcset value")
