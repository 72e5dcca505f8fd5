"""The control plane: JSON API for people, backends and the CLI. Touches SQLite."""
