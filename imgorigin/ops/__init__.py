"""Running the service: health, readiness, metrics, access logs, background work."""
