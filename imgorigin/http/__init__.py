"""What every HTTP plane (``delivery``, ``api``, ``ops``, ``web``) shares about a request."""
