"""Named transformations (``t_<name>``), Cloudinary's "named transformations".

The presets file is JSON::

    {
      "thumb": {"transformation": "c_fill,g_auto,w_150,h_150", "unsigned": true},
      "hero":  {"transformation": "c_fill,w_1600,h_600/q_auto"}
    }

A component ``t_<name>`` is replaced by the preset's components before parsing, so presets combine
with other components. ``unsigned: true`` declares the preset safe to serve without a signature
(Cloudinary's "strict transformations" allowlist): a URL made only of such presets needs no signature.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from imgorigin.errors import InvalidTransformation
from imgorigin.transform.exprplan import parse_any

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Preset:
    name: str
    transformation: str
    unsigned: bool = False


@dataclass(frozen=True)
class Presets:
    items: tuple[tuple[str, Preset], ...] = ()

    @classmethod
    def load(cls, path: Path | None) -> Presets:
        if path is None:
            return cls()
        raw = json.loads(path.read_text())
        if not isinstance(raw, dict):
            raise ValueError("the presets file must hold a JSON object of name -> preset")
        presets = []
        for name, body in raw.items():
            if not _NAME.fullmatch(name):
                raise ValueError(f"preset name {name!r} must be letters, digits, '_' or '-'")
            if isinstance(body, str):
                body = {"transformation": body}
            if not isinstance(body, dict) or not isinstance(body.get("transformation"), str):
                raise ValueError(f"preset {name!r} needs a 'transformation' string")
            text = body["transformation"]
            if "t_" in text.split(",") or any(part.startswith("t_") for part in text.replace(",", "/").split("/")):
                raise ValueError(f"preset {name!r} may not use other presets")
            parse_any(text)  # refuse a broken preset at start-up, not at the first request
            presets.append((name, Preset(name, text, bool(body.get("unsigned", False)))))
        return cls(tuple(presets))

    def get(self, name: str) -> Preset | None:
        return dict(self.items).get(name)

    def _lookup(self, component: str) -> Preset | None:
        if not component.startswith("t_"):
            return None
        name = component[2:]
        preset = self.get(name)
        if preset is None:
            raise InvalidTransformation(f"Unknown preset t_{name}")
        return preset

    def expand(self, transformation: str) -> str:
        if "t_" not in transformation:
            return transformation
        parts = []
        for component in transformation.split("/"):
            if any(token.startswith("t_") for token in component.split(",")) and "," in component:
                raise InvalidTransformation(f"A preset (t_) must stand alone in its component: {component!r}")
            preset = self._lookup(component)
            parts.append(preset.transformation if preset else component)
        return "/".join(parts)

    def all_unsigned_ok(self, transformation: str) -> bool:
        if not transformation:
            return False
        for component in transformation.split("/"):
            preset = self.get(component[2:]) if component.startswith("t_") else None
            if preset is None or not preset.unsigned:
                return False
        return True
