"""The transformation engine: URL grammar -> immutable plan -> libvips. It knows nothing of HTTP.

Imports point one way, from the values up to the render:

- ``vips``, the typed door to libvips for the calls pyvips' stubs get wrong (it imports nothing);
- values: ``numbers``, ``values``, ``output``, ``colors``, ``flags``, ``layers``, ``shape``, ``limits``,
  ``responsive`` (``w_auto``, ``dpr_auto`` and the client hints' numbers);
- sources and models: ``source`` (header checks), ``decode`` (pixels), ``levels``, ``deadline``,
  ``faces``, ``cutout``;
- ``context`` (the canvas and what steps read), ``effects.registry``, then the ``effects`` units,
  which import no grammar;
- grammar: ``params`` (it imports the effects, so ``e_`` knows them all), ``transformation``,
  ``rules``, ``plan`` (``parse``), ``presets``; expressions (``expr``, ``exprplan``), ``autosize``
  (``w_auto`` and ``dpr_auto`` resolved from the hints), ``expreval``;
- sizes and output choices: ``geometry``, ``frames``, ``cost``, ``formats``, ``autobg``, ``facecrop``,
  ``encode``;
- ``steps`` and ``overlay``, run by ``pipeline``; ``render`` (the pipeline, then ``encode``).

Parsing imports no pyvips, so URLs can be validated (and tested) without it; libvips runs in the
steps, the effects, ``decode`` and ``encode``.
"""
