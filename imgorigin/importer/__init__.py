"""``imgorigin import``: bring a whole image library into an account through Cloudinary's Upload API.

Sources: a folder tree (relative path without extension -> public id), a CSV or JSON list of
``public_id,url`` or ``public_id,path``, or another Cloudinary-compatible Admin API (Cloudinary itself, or
another imgorigin), listed page by page with ``next_cursor`` and downloaded as originals. The target is
any Cloudinary-compatible Upload API, so the same command also fills a Cloudinary account.

Resumable and idempotent: every finished image is appended to a journal (one JSON line, flushed), and an
image whose content the journal or the target already holds under the same public id is skipped, so a
run killed at any point and started again duplicates nothing and loses nothing.
"""
