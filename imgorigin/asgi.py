"""The ASGI entry point for uvicorn workers: settings from the environment, then ``create_app``."""

from __future__ import annotations

import logging

from starlette.applications import Starlette

from imgorigin.app import create_app
from imgorigin.environment import load_settings
from imgorigin.ops.access import configure_access_log
from imgorigin.transform.threads import one_per_render


def create_from_env() -> Starlette:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    configure_access_log()
    one_per_render()  # a server process: libvips threads as transform/threads.py explains
    return create_app(settings)
