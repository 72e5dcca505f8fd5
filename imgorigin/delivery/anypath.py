"""A route whose ``{path:path}`` also matches a percent-encoded line break.

Starlette matches the decoded path with ``.*``, which stops at a newline, so ``l_text:arial_20:a%0Ab``
(Cloudinary's single-escaped line break in text) fell through to a 404. The delivery handler reads the
raw path anyway; this only lets the route match it. The route's path string, and so its metrics
label, stay ``/t/{path:path}``.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import Route


class AnyPathRoute(Route):
    def __init__(self, path: str, endpoint: Any, **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)
