"""The delivery plane: ``GET /t/...``. Signed URLs carry everything; it never touches the database."""
