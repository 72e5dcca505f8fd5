"""What the service keeps between requests, below the application layer: SQLite (``db``) for the control
plane's records, diskcache (``cache``) for derived images and per-host counters, and ``datadir``, which
prepares both once before the workers start. Originals are in ``imgorigin.storage``."""
