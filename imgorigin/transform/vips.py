"""The engine's door to libvips for the few calls pyvips' own type stubs get wrong.

mypy reads the stubs pyvips ships (``pyproject.toml`` follows them: the package has no ``py.typed``),
so every ``pyvips.Image`` method, operator and constructor is checked against them. Where a stub
disagrees with what pyvips does at run time, the call goes through here, with the stub's mistake named
once, instead of a ``type: ignore`` at each use:

- ``get`` returns the union of every GValue type but a blob's ``bytes``, and ``set_type`` refuses
  ``bytes``: ``get_int`` reads an integer field, ``get_blob`` and ``set_blob`` a binary one;
- ``max`` is typed for its optional outputs (``float | tuple[float, dict]``): ``maximum``;
- ``Image.__eq__`` is ``bool | Image`` (it is ``False`` against ``None``): ``equal``;
- ``clamp`` names its bounds ``min_``/``max_``, but pyvips passes keyword names to libvips as written,
  so only ``min``/``max`` work: ``clamp``;
- ``smartcrop`` is typed as returning an image even when ``attention_x``/``attention_y`` are asked for,
  when it returns ``[image, {"attention_x": int, "attention_y": int}]``: ``attention``;
- vector arguments are ``list[float]`` and ``bandjoin`` takes ``list[Image | int | float]``; lists are
  invariant, so a ``list[int]`` colour or a ``list[Image]`` is refused although libvips takes either:
  ``floats`` and ``bandjoin``;
- the stubs leave out ``concurrency_get`` and ``concurrency_set``: ``threads`` and ``set_threads``;
- loaders, savers (``write_to_buffer``), ``thumbnail*`` and ``text`` take options through ``**kwargs``:
  the ``TypedDict``s below name the ones the engine passes, with their types, so a misspelt or
  mistyped option fails the check.

Like the rest of the engine it imports pyvips only when a function runs, so parsing never loads libvips.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, TypedDict, cast

if TYPE_CHECKING:
    import pyvips

FailOn = Literal["none", "truncated", "error", "warning"]


class LoadOptions(TypedDict, total=False):
    """What ``new_from_file``/``new_from_buffer`` are given: the options every loader shares, and
    ``shrink`` (JPEG's shrink-on-load)."""

    access: Literal["random", "sequential"]
    fail_on: FailOn
    n: int
    page: int
    shrink: int


class SaveOptions(TypedDict, total=False):
    """What ``write_to_buffer`` is given, for the savers the engine uses (JPEG, WebP, AVIF, PNG, GIF,
    TIFF)."""

    Q: int
    keep: str
    lossless: bool
    effort: int
    compression: int | Literal["av1", "deflate"]
    optimize_coding: bool
    optimize_scans: bool
    interlace: bool
    subsample_mode: Literal["auto", "on", "off"]
    filter: Literal["none", "all"]
    interframe_maxerror: float


class ThumbnailOptions(TypedDict, total=False):
    """What ``thumbnail``/``thumbnail_buffer`` are given besides the width (and the load options)."""

    height: int
    size: Literal["both", "up", "down", "force"]
    no_rotate: bool
    fail_on: FailOn


class TextOptions(TypedDict, total=False):
    """What ``Image.text`` is given besides the markup and the font."""

    fontfile: str
    dpi: int
    align: Literal["low", "centre", "high"]
    width: int
    wrap: Literal["word", "char", "word-char", "none"]
    spacing: int


def get_int(image: pyvips.Image, name: str, default: int) -> int:
    """The integer header field ``name`` (``page-height``, ``n-pages``, ``orientation``...), or
    ``default`` when the image has none."""
    if not image.get_typeof(name):
        return default
    value = image.get(name)
    if isinstance(value, int | float | str):
        return int(value)
    raise TypeError(f"the image's {name} is {type(value).__name__}, not a number")


def get_blob(image: pyvips.Image, name: str) -> bytes:
    """The binary header field ``name`` (``icc-profile-data``, ``exif-data``...)."""
    value: object = image.get(name)
    if isinstance(value, bytes):
        return value
    raise TypeError(f"the image's {name} is {type(value).__name__}, not bytes")


def set_blob(image: pyvips.Image, name: str, data: bytes) -> None:
    """Attach ``data`` to ``image`` as the binary header field ``name``."""
    import pyvips

    set_type = cast("Callable[[int, str, bytes], None]", image.set_type)
    set_type(pyvips.GValue.blob_type, name, data)


def maximum(image: pyvips.Image) -> float:
    """The largest value in ``image``, over every band."""
    return cast(float, image.max())


def floats(values: Sequence[float]) -> list[float]:
    """A vector argument (a background, a ``linear`` coefficient) as the stubs' ``list[float]``."""
    return [float(value) for value in values]


def bandjoin(bands: Sequence[pyvips.Image]) -> pyvips.Image:
    """The bands joined in order into one image."""
    first, *rest = bands
    others: list[pyvips.Image | int | float] = list(rest)
    return first.bandjoin(others)


def clamp(image: pyvips.Image, low: float, high: float) -> pyvips.Image:
    """Every value of ``image`` brought within ``low``..``high``."""
    import pyvips

    out = pyvips.Operation.call("clamp", image, min=low, max=high)
    return cast("pyvips.Image", out)


def attention(frame: pyvips.Image, width: int, height: int) -> tuple[int, int]:
    """The centre of what libvips' attention crop of ``width`` x ``height`` would keep of ``frame``."""
    out: object = frame.smartcrop(width, height, interesting="attention", attention_x=True, attention_y=True)
    _, found = cast("tuple[pyvips.Image, dict[str, int]]", out)
    return found["attention_x"], found["attention_y"]


def equal(left: pyvips.Image, right: pyvips.Image) -> pyvips.Image:
    """``left == right`` pixel by pixel: 255 where they are equal, else 0."""
    return left.relational(right, "equal")


def threads() -> int:
    """libvips' concurrency: the threads a pipeline or an encoder starting now gets."""
    import pyvips

    return int(pyvips.concurrency_get())  # type: ignore[attr-defined]


def set_threads(count: int) -> None:
    import pyvips

    pyvips.concurrency_set(count)  # type: ignore[attr-defined]
