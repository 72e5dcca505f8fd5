"""``imgorigin keys create|ls|rm`` (the account's API keys, through the API) and ``imgorigin clouds publish``
(write every account's state and public ids to the object store again, e.g. after restoring a backup)."""

from __future__ import annotations

import argparse
import json

from imgorigin.cli.remote import add_command, logged_in


def cmd_keys_create(args: argparse.Namespace) -> int:
    answer = logged_in(args).call("POST", "/me/api-keys")
    if args.json:
        print(json.dumps(answer, indent=2))
        return 0
    print(f"cloud_name  {answer['cloud_name']}\napi_key     {answer['api_key']}\napi_secret  {answer['api_secret']}")
    print("The secret is shown once: store it now (e.g. CLOUDINARY_URL=cloudinary://"
          f"{answer['api_key']}:<api_secret>@{answer['cloud_name']}).")
    return 0


def cmd_keys_ls(args: argparse.Namespace) -> int:
    answer = logged_in(args).call("GET", "/me/api-keys")
    if args.json:
        print(json.dumps(answer, indent=2))
        return 0
    print(f"cloud_name {answer['cloud_name']}")
    for item in answer["items"]:
        print(f"{item['api_key']}  created {item['created_at'][:19].replace('T', ' ')}")
    return 0


def cmd_keys_rm(args: argparse.Namespace) -> int:
    api = logged_in(args)
    for api_key in args.api_keys:
        api.call("DELETE", f"/me/api-keys/{api_key}")
        print(f"revoked {api_key}")
    return 0


def cmd_clouds_publish(args: argparse.Namespace) -> int:
    from imgorigin.clouds.accounts import publish_everything
    from imgorigin.environment import local_settings
    from imgorigin.services.wiring import Services

    services = Services.build(local_settings())
    try:
        accounts, images = publish_everything(services)
    finally:
        services.close()
    print(f"published {accounts} accounts and {images} public ids")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keys = sub.add_parser("keys", help="your Cloudinary-style API keys (cloud name = username)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    for name, func, help_text in (("create", cmd_keys_create, "create a key; prints its secret once"),
                                  ("ls", cmd_keys_ls, "list your keys"),
                                  ("rm", cmd_keys_rm, "revoke keys")):
        parser = add_command(keys_sub, name, func, help_text)
        if name == "rm":
            parser.add_argument("api_keys", nargs="+", metavar="API_KEY")
        else:
            parser.add_argument("--json", action="store_true", help="print the API's JSON")

    clouds = sub.add_parser("clouds", help="server side of Cloudinary's layouts")
    clouds_sub = clouds.add_subparsers(dest="clouds_command", required=True)
    publish = clouds_sub.add_parser("publish", help="write every account's state and public ids to the store")
    publish.set_defaults(func=cmd_clouds_publish)
