"""The application layer: what both HTTP planes and the CLI call to do the work, over the engine
(``imgorigin.transform``) and the stored state (``imgorigin.state``, ``imgorigin.storage``). Nothing here
knows of HTTP requests."""
