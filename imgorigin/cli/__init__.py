"""The ``imgorigin`` command (``main``): the server's own commands (serve, sign, settings, user, doctor,
pyramid, models) and the client commands, which talk HTTP to any server through ``imgorigin.client``."""
