"""Building signed delivery URLs, for the API answers, the CLI and backends that embed images.

    >>> from imgorigin.client.urls import UrlBuilder
    >>> urls = UrlBuilder(secret="...", base="https://img.example.com")
    >>> urls.url("9fK2xQ7bLm1c", "c_fill,w_400,h_300", "webp")
    'https://img.example.com/t/s--...--/c_fill,w_400,h_300/9fK2xQ7bLm1c.webp'
    >>> urls.build("9fK2xQ7bLm1c", width=400, height=300, crop="fill", gravity="auto", format="webp")
    'https://img.example.com/t/s--...--/c_fill,g_auto,h_300,w_400/9fK2xQ7bLm1c.webp'
    >>> urls.srcset("9fK2xQ7bLm1c", [320, 640], crop="fill", width=400, height=300, format="webp")
    'https://.../c_fill,h_240,w_320/9fK2xQ7bLm1c.webp 320w, https://.../c_fill,h_480,w_640/... 640w'

Keyword options are the parameters' names from ``imgorigin.transform.params`` (``width``, ``crop``,
``gravity``, ``effect``, ``quality``, ``aspect_ratio``...; an unambiguous first or last word of a name
and the URL key itself work too: ``crop`` for "crop mode", ``radius`` for "corner radius", ``dpr``).
``format`` is special, as in Cloudinary's SDKs: it becomes the file extension, except ``format="auto"``
which becomes ``f_auto``.
Every URL is validated by the same parser the server uses, so a helper never signs a URL that 400s.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from imgorigin.security import long_signature
from imgorigin.transform import params
from imgorigin.transform.exprplan import parse_any
from imgorigin.transform.limits import Limits
from imgorigin.transform.numbers import format_decimal

Step = Mapping[str, Any] | str


def signed_path(secret: str, image_id: str, transformation: str, extension: str) -> str:
    last = f"{image_id}.{extension}"
    to_sign = f"{transformation}/{last}" if transformation else last
    return f"/t/{long_signature(to_sign, secret)}/{to_sign}"


@dataclass(frozen=True)
class UrlBuilder:
    secret: str
    base: str = ""

    def url(self, image_id: str, transformation: str = "", extension: str = "jpg") -> str:
        return self.base.rstrip("/") + signed_path(self.secret, image_id, transformation, extension)

    def build(self, image_id: str, *steps: Step, extension: str | None = None, **options: Any) -> str:
        """A signed URL from chained ``steps`` (mappings or strings) then one component of ``options``."""
        text, extension = _compose(steps, options, extension)
        return self.url(image_id, text, extension)

    def srcset(self, image_id: str, widths: Iterable[int], *steps: Step, extension: str | None = None,
               **options: Any) -> str:
        """An ``srcset`` value: one URL per width, the height scaled to keep the requested shape."""
        entries = []
        for width in widths:
            url = self.build(image_id, *steps, extension=extension, **_at_width(options, width))
            entries.append(f"{url} {width}w")
        return ", ".join(entries)

    def img_tag(self, image_id: str, widths: Sequence[int], *steps: Step, alt: str, sizes: str = "100vw",
                extension: str | None = None, **options: Any) -> str:
        """A responsive ``<img>``: ``src`` at the requested size, ``srcset`` at ``widths``, escaped attributes.

        Pixel ``width`` and ``height`` options also become the tag's ``width``/``height``, so the browser
        reserves the space before the image arrives.
        """
        attributes = {
            "src": self.build(image_id, *steps, extension=extension, **options),
            "srcset": self.srcset(image_id, widths, *steps, extension=extension, **options),
            "sizes": sizes,
        }
        keywords = _keywords()
        for name, value in options.items():
            param = keywords.get(name)
            if param is not None and param.key in {"w", "h"} and isinstance(value, int):
                attributes["width" if param.key == "w" else "height"] = str(value)
        attributes.update(alt=alt, loading="lazy", decoding="async")
        return "<img " + " ".join(f'{k}="{html.escape(v)}"' for k, v in attributes.items()) + ">"


def _keywords() -> dict[str, params.Param[Any]]:
    """Keyword -> parameter: its name in snake case, its first or last word, its URL key; ambiguous ones dropped."""
    found: dict[str, set[str]] = {}
    for key, param in params.PARAMS.items():
        words = param.name.split()
        for keyword in {"_".join(words), words[0], words[-1], key}:
            found.setdefault(keyword, set()).add(key)
    return {word: params.PARAMS[next(iter(keys))] for word, keys in found.items() if len(keys) == 1}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError("booleans are not parameter values")
    if isinstance(value, float):
        # A float keeps its decimal point: w_0.5 and w_1.0 are fractions, unlike w_1.
        return format_decimal(value)
    if isinstance(value, tuple | list):
        return ":".join(_value(part) for part in value)
    return str(value)


def component(**options: Any) -> str:
    """One component from keyword options: ``component(width=300, crop="fill")`` is ``c_fill,w_300``."""
    keywords = _keywords()
    tokens = []
    for name, value in options.items():
        if value is None:
            continue
        param = keywords.get(name)
        if param is None:
            raise TypeError(f"unknown transformation option {name!r}; known: {', '.join(sorted(keywords))}")
        tokens.append(f"{param.key}_{_value(value)}")
    return ",".join(sorted(tokens))


def transformation(*steps: Step, limits: Limits | None = None) -> str:
    """Chained components (mappings of options or ready-made strings), validated by the URL parser."""
    parts = [step if isinstance(step, str) else component(**step) for step in steps]
    text = "/".join(part for part in parts if part)
    # Named presets (t_<name>) are expanded by the server; everything else must parse here.
    parse_any("/".join(part for part in text.split("/") if part and not part.startswith("t_")), limits)
    return text


def _compose(steps: Sequence[Step], options: dict[str, Any], extension: str | None) -> tuple[str, str]:
    options = dict(options)
    fmt = options.pop("format", None)
    if fmt is not None and fmt != "auto":
        extension = extension or str(fmt)
    elif fmt == "auto":
        options["format"] = "auto"
    return transformation(*steps, options), extension or "jpg"


def _at_width(options: dict[str, Any], width: int) -> dict[str, Any]:
    """The options with ``width`` replaced; a pixel ``height`` is scaled by the same factor, others dropped.

    The srcset descriptor is the width, so a height that does not follow it would change the shape.
    """
    keywords = _keywords()
    names = {keywords[name].key: name for name in options if name in keywords}
    scaled = {**options}
    old_width = options.get(names.get("w", ""))
    old_height = options.get(names.get("h", ""))
    for key in ("w", "h"):
        scaled.pop(names.get(key, ""), None)
    scaled["width"] = width
    if isinstance(old_width, int) and isinstance(old_height, int) and old_width > 0:
        scaled["height"] = max(1, round(old_height * width / old_width))
    return scaled
