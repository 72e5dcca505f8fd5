"""Effects (``e_<name>[:<value>]``): one small declared unit per module, registered by name in
``registry``. Importing this package imports every unit, so the registry is complete before anything
parses an ``e_``. Units never import pyvips at module level, so parsing a URL stays free of it, and
they never import the grammar (``params``, ``plan``), which imports them.
"""

from imgorigin.transform.effects import (  # noqa: F401  (importing a unit registers it)
    artistic,
    auto,
    background_removal,
    blend,
    blur,
    color,
    colorize,
    recolor,
    regions,
    shadow,
    tone,
    trim,
)
