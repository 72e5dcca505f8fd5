"""A mypy plugin (``[tool.mypy] plugins``): an attribute of ``pyvips.Image`` that pyvips' stubs do not
declare is an error instead of ``Any``.

The stubs end with ``Image.__getattr__(name) -> Any``, since pyvips finds any libvips operation by name
at run time; without this, a misspelt operation or one the stubs lack would pass the check silently.
Such a call belongs in ``imgorigin/transform/vips.py``, typed there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mypy.plugin import AttributeContext, Plugin
from mypy.types import Instance, Type, get_proper_type

IMAGE = "pyvips.vimage.Image"


def _declared_only(name: str, ctx: AttributeContext) -> Type:
    image = get_proper_type(ctx.type)
    if isinstance(image, Instance) and image.type.get(name) is None:
        ctx.api.fail(f'"Image" has no attribute "{name}" in pyvips\' stubs (Image.__getattr__ is Any)', ctx.context)
    return ctx.default_attr_type


class PyvipsMembers(Plugin):
    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        return partial(_declared_only, name) if owner == IMAGE else None


def plugin(version: str) -> type[Plugin]:
    return PyvipsMembers
