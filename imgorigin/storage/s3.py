"""Originals in an S3-compatible bucket (AWS S3, MinIO, R2, moto) through the ``minio`` client.

Every call is bounded: short connect/read timeouts and a small retry budget on the urllib3 pool that
minio uses, so a dead or hung endpoint costs a request a few seconds at most and answers 503 with
``Retry-After``, never a hang or a 500. The public message names no endpoint, bucket or key.

``put`` is one PUT request (uploads are capped far below the single-part limit), which S3 makes
atomic: readers see the whole object or none of it, never a prefix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from imgorigin.blob import Blob
from imgorigin.errors import Unavailable

if TYPE_CHECKING:
    from imgorigin.config import Settings

log = logging.getLogger("imgorigin.storage")

RETRY_AFTER = 5
# One PUT up to this size; larger files would become a multipart upload (still atomic when completed).
SINGLE_PUT_LIMIT = 512 * 1024**2
_MISSING = {"NoSuchKey", "NoSuchObject"}
# urllib3 and socket failures surface as these; anything else is a bug and should be a visible 500.
_TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, OSError, MinioException)


def _unavailable(operation: str, exc: BaseException) -> NoReturn:
    raise Unavailable(
        "Storage is unavailable; retry shortly",
        retry_after=RETRY_AFTER,
        code="storage_unavailable",
        detail=f"s3 {operation}: {type(exc).__name__}: {exc}",
    ) from exc


def http_client(timeout: float, retries: int) -> urllib3.PoolManager:
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=min(timeout, 2.0), read=timeout),
        maxsize=16,  # one connection per render thread is plenty
        retries=urllib3.Retry(
            total=retries,
            connect=retries,
            read=retries,
            backoff_factor=0.1,
            backoff_max=1.0,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=None,  # PUT and DELETE of a whole object are idempotent too
            raise_on_status=False,  # the last 5xx reaches minio, which raises S3Error/ServerError
        ),
    )


class S3Storage:
    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self._bucket_ready = False

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region or None,
            http_client=http_client(settings.s3_timeout, settings.s3_retries),
        )
        return cls(client, settings.s3_bucket)

    def _call(self, operation: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one client call, turning transport failures and server errors into 503."""
        if not self._bucket_ready:
            self._ensure_bucket()
        try:
            try:
                return func(*args, **kwargs)
            except S3Error as exc:
                if exc.code != "NoSuchBucket":
                    raise  # the caller decides what a missing object means
                # Deleted behind our back (or a fresh server): create it again and try once more.
                self._ensure_bucket()
                return func(*args, **kwargs)
        except S3Error:
            raise
        except _TRANSPORT_ERRORS as exc:
            _unavailable(operation, exc)

    def _ensure_bucket(self) -> None:
        """Create the bucket on first use (not at start-up: a node must boot while S3 is down)."""
        try:
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as exc:
                    if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                        raise
                log.info("created bucket %s", self.bucket)
        except _TRANSPORT_ERRORS as exc:
            _unavailable("bucket check", exc)
        self._bucket_ready = True

    def put(self, key: str, source: Path) -> None:
        try:
            self._call("put", self._put_file, key, source)
        except S3Error as exc:
            _unavailable("put", exc)

    def _put_file(self, key: str, source: Path) -> None:
        # Opened per attempt: a retried PUT must send the file from its first byte again.
        with open(source, "rb") as handle:
            self.client.put_object(self.bucket, key, handle, source.stat().st_size, part_size=SINGLE_PUT_LIMIT)

    def get(self, key: str) -> Blob | None:
        try:
            response = self._call("get", self.client.get_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            _unavailable("get", exc)
        try:
            return Blob(data=response.read())
        except _TRANSPORT_ERRORS as exc:
            _unavailable("get body", exc)
        finally:
            response.close()
            response.release_conn()

    def delete(self, key: str) -> None:
        try:
            self._call("delete", self.client.remove_object, self.bucket, key)
        except S3Error as exc:
            if exc.code not in _MISSING:
                _unavailable("delete", exc)

    def exists(self, key: str) -> bool:
        try:
            self._call("stat", self.client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            _unavailable("stat", exc)
        return True

    def keys(self, prefix: str) -> Iterator[str]:
        try:
            objects = self._call("list", self.client.list_objects, self.bucket, prefix=prefix.rstrip("/") + "/",
                                 recursive=True)
            for obj in objects:
                yield obj.object_name
        except S3Error as exc:
            _unavailable("list", exc)
        except _TRANSPORT_ERRORS as exc:  # list_objects pages lazily: errors surface while iterating
            _unavailable("list", exc)

    def ping(self) -> None:
        try:
            self._call("ping", self.client.bucket_exists, self.bucket)
        except S3Error as exc:
            _unavailable("ping", exc)
