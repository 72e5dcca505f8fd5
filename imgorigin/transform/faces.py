"""Face detection for ``g_face``, ``g_faces``, ``g_auto:faces``, ``e_blur_faces`` and ``e_pixelate_faces``.

OpenCV's frontal-face Haar cascade (the one thumbor uses), shipped inside ``opencv-python-headless``
(the ``faces`` extra): nothing is downloaded. ``cv2`` is imported and the cascade loaded on first use,
once per ``FaceDetector`` — one per worker process, owned by the renderer. Detection runs on a grey
copy at most ``PROXY_SIDE`` pixels a side (a shrink-on-load of the source when the canvas is still
the source), a semaphore bounds how many run at once, and results are kept in a small LRU keyed by
the source's identity and the components applied before, so an image's faces are found once per
worker however many sizes are asked of it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imgorigin.errors import Unavailable

if TYPE_CHECKING:
    import pyvips

    from imgorigin.blob import Blob

PROXY_SIDE = 256
MIN_FACE = 20  # pixels of the proxy: faces smaller than 8% of the image's longer side are not looked for
CASCADE = "haarcascade_frontalface_default.xml"
INSTALL_HINT = "pip install 'imgorigin[faces]'"


@dataclass(frozen=True)
class Face:
    """A face box as fractions of the image it was found in (so it holds at any scale)."""

    left: float
    top: float
    width: float
    height: float

    def scaled(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(left, top, width, height) in pixels of a ``width`` x ``height`` image."""
        left, top = round(self.left * width), round(self.top * height)
        return left, top, max(1, round(self.width * width)), max(1, round(self.height * height))

    @property
    def area(self) -> float:
        return self.width * self.height


def union(faces: tuple[Face, ...]) -> Face:
    left = min(face.left for face in faces)
    top = min(face.top for face in faces)
    right = max(face.left + face.width for face in faces)
    bottom = max(face.top + face.height for face in faces)
    return Face(left, top, right - left, bottom - top)


def largest(faces: tuple[Face, ...]) -> Face:
    return max(faces, key=lambda face: face.area)


def source_identity(blob: Blob) -> str:
    """Which original this is: its file and version on disk, or a hash of its bytes."""
    if blob.path is not None:
        stat = blob.path.stat()
        return f"{blob.path}:{stat.st_size}:{stat.st_mtime_ns}"
    return hashlib.blake2b(blob.data or b"", digest_size=16).hexdigest()


class FaceDetector:
    def __init__(self, concurrency: int = 1, wait_timeout: float = 5.0, cache_size: int = 512) -> None:
        self.slots = threading.BoundedSemaphore(concurrency)
        self.wait_timeout = wait_timeout
        self.cache_size = cache_size
        self._cascade: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[Face, ...]] = OrderedDict()
        self.detections = 0  # detections actually run (cache misses), for tests and metrics

    def _classifier(self) -> Any:
        with self._lock:
            if self._cascade is None:
                try:
                    import cv2
                except ImportError as exc:
                    raise Unavailable(
                        f"Face detection is not installed on this server ({INSTALL_HINT})",
                        code="faces_not_installed", detail=str(exc),
                    ) from None
                cv2.setNumThreads(1)  # renders already run in parallel; one core per detection
                cascade = cv2.CascadeClassifier(cv2.data.haarcascades + CASCADE)  # type: ignore[attr-defined]
                if cascade.empty():
                    raise Unavailable("The face detector could not be loaded", code="faces_not_installed",
                                      detail=f"{CASCADE} missing or damaged")
                self._cascade = cascade
            return self._cascade

    def faces(self, key: str | None, proxy: Callable[[], pyvips.Image]) -> tuple[Face, ...]:
        """The faces of the image ``key`` names, largest first; ``proxy()`` gives a copy of it (made
        small here). Without a key (an image already transformed), nothing is cached."""
        with self._lock:
            if key is not None and key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        classifier = self._classifier()
        if not self.slots.acquire(timeout=self.wait_timeout):
            raise Unavailable("Face detection is busy; retry shortly", retry_after=5, code="overloaded")
        try:
            found = detect(classifier, proxy())
            self.detections += 1
        finally:
            self.slots.release()
        if key is None:
            return found
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return found


def detect(classifier: Any, image: pyvips.Image) -> tuple[Face, ...]:
    import cv2
    import numpy as np

    scale = min(1.0, PROXY_SIDE / max(image.width, image.height))
    small = image.resize(scale) if scale < 1 else image
    if small.hasalpha():
        small = small.flatten(background=[255])
    grey = small.colourspace("b-w")[0].cast("uchar")
    pixels = np.ndarray(buffer=grey.write_to_memory(), dtype=np.uint8, shape=(grey.height, grey.width))
    boxes = classifier.detectMultiScale(cv2.equalizeHist(pixels), scaleFactor=1.1, minNeighbors=5,
                                        minSize=(MIN_FACE, MIN_FACE))
    faces = tuple(Face(float(x) / grey.width, float(y) / grey.height, float(w) / grey.width, float(h) / grey.height)
                  for x, y, w, h in (boxes if len(boxes) else []))
    return tuple(sorted(faces, key=lambda face: -face.area))
