"""The transformation engine: URL grammar -> immutable plan -> libvips. It knows nothing of HTTP.

Imports point one way, from the values up to the render:

- values: ``numbers``, ``values``, ``output``, ``colors``, ``flags``, ``layers``, ``shape``, ``limits``;
- sources and models: ``source`` (header checks), ``decode`` (pixels), ``levels``, ``deadline``, ``faces``,
  ``cutout``;
- ``context`` (the canvas and what steps read), then the ``effects`` units, which know no grammar;
- grammar: ``params`` (it loads the effects registry for ``e_``), ``transformation``, ``rules``, ``plan``
  (``parse``), ``presets``;
- geometry and costs: ``geometry``, ``frames``, ``cost``, ``formats``, ``facecrop``, ``autobg``;
- ``steps`` and ``overlay``, driven by ``pipeline``; ``encode``; ``render`` (pipeline + encode).

Parsing imports no pyvips, so URLs can be validated (and tested) without it; libvips runs from the
steps, the effects, ``decode`` and ``encode``.
"""
