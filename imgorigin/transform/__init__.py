"""The transformation engine: URL grammar -> immutable plan -> libvips. It knows nothing of HTTP.

``parse`` and the declarations import no pyvips, so URLs can be validated (and tested) without it;
``imgorigin.transform.render`` is the only place that drives libvips.
"""

from imgorigin.transform.plan import Component, Limits, Transformation, parse

__all__ = ["Component", "Limits", "Transformation", "parse"]
