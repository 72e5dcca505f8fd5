"""The model behind ``e_background_removal``: U-2-Net small (rembg's ``u2netp``) on CPU, which
predicts a mask of the main subject.

The model is never downloaded while serving: without ``<model_dir>/u2netp.onnx`` the effect answers 503
naming ``imgorigin models install``. ``rembg`` is imported on first use only (its first import compiles
numba code for a minute or more) and its session is created once per ``BackgroundRemover`` — one per
worker process, owned by the renderer — then reused. A semaphore bounds how many images run through
the model at once, since each inference takes a whole core.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgorigin.errors import Unavailable

if TYPE_CHECKING:
    import pyvips

    from imgorigin.transform.deadline import Deadline

MODEL_NAME = "u2netp"
MODEL_FILE = "u2netp.onnx"
INSTALL_HINT = "imgorigin models install"


def model_path(model_dir: Path) -> Path:
    return model_dir / MODEL_FILE


def is_installed(model_dir: Path) -> bool:
    return model_path(model_dir).is_file()


# What the extra brings (pip install 'imgorigin[bg]'); PIL comes with rembg.
_PACKAGES = ("rembg", "onnxruntime", "PIL")
EXTRA_MISSING = "Background removal is not installed on this server: pip install 'imgorigin[bg]'"
MODEL_MISSING = f"Background removal needs its model, which is not installed: run `{INSTALL_HINT}`"

# The network sees 320 x 320; a copy this size keeps the numpy round trip cheap and loses nothing.
MODEL_INPUT_SIDE = 640


class BackgroundRemover:
    def __init__(self, model_dir: Path, concurrency: int = 1, wait_timeout: float = 30.0) -> None:
        self.model_dir = model_dir
        self.slots = threading.BoundedSemaphore(concurrency)
        self.wait_timeout = wait_timeout
        self._session: Any = None
        self._session_lock = threading.Lock()

    def unavailable_reason(self) -> str | None:
        """Why the effect cannot run here (cheap: nothing is imported), or None when it can."""
        missing = [name for name in _PACKAGES if importlib.util.find_spec(name) is None]
        if missing:
            return EXTRA_MISSING
        if not is_installed(self.model_dir):
            return MODEL_MISSING
        return None

    @property
    def ready(self) -> bool:
        """The model is loaded: a removal costs only its inference."""
        return self._session is not None

    def warm(self) -> bool:
        """Load the model now (start-up), so the first request costs what the next ones do."""
        if self.unavailable_reason() is not None:
            return False
        self._get_session()
        return True

    def _get_session(self) -> Any:
        reason = self.unavailable_reason()
        if reason is not None:
            raise Unavailable(reason, code="model_not_installed", detail=f"model directory {self.model_dir}")
        with self._session_lock:
            if self._session is None:
                # Set before rembg (and onnxruntime) is first imported: no telemetry, and the model
                # is looked up in our directory, where rembg finds it and downloads nothing.
                os.environ["ORT_DISABLE_TELEMETRY"] = "1"
                os.environ["U2NET_HOME"] = str(self.model_dir.resolve())
                try:
                    import rembg
                except ImportError as exc:  # a half-installed extra: a dependency of rembg is missing
                    raise Unavailable(EXTRA_MISSING, code="model_not_installed", detail=str(exc)) from None
                try:
                    self._session = rembg.new_session(MODEL_NAME)
                except Exception as exc:  # onnxruntime raises its own types for a damaged model file
                    raise Unavailable(
                        f"The background-removal model could not be loaded: run `{INSTALL_HINT}` again",
                        code="model_not_installed", detail=repr(exc),
                    ) from None
            return self._session

    def mask(self, rgb: pyvips.Image, deadline: Deadline | None = None) -> pyvips.Image:
        """A one-band 0-255 mask of the subject, the size of ``rgb`` (three-band sRGB, 8 bits)."""
        import numpy as np
        import pyvips

        if not self.slots.acquire(timeout=self.wait_timeout):
            raise Unavailable("Background removal is busy; retry shortly", retry_after=5, code="overloaded")
        try:
            session = self._get_session()
            from PIL import Image  # comes with the extra, checked by _get_session
            scale = min(1.0, MODEL_INPUT_SIDE / max(rgb.width, rgb.height))
            small = rgb.resize(scale) if scale < 1 else rgb
            data = small.write_to_memory() if deadline is None else deadline.evaluate(small, small.write_to_memory)
            pixels = np.ndarray(buffer=data, dtype=np.uint8, shape=(small.height, small.width, 3))
            predicted = session.predict(Image.fromarray(pixels, mode="RGB"))[0]
        finally:
            self.slots.release()
        mask_pixels = np.asarray(predicted.convert("L"), dtype=np.uint8)
        mask = pyvips.Image.new_from_memory(
            mask_pixels.tobytes(), predicted.width, predicted.height, 1, "uchar"
        )
        if (mask.width, mask.height) != (rgb.width, rgb.height):
            mask = mask.resize(rgb.width / mask.width, vscale=rgb.height / mask.height, kernel="linear")
            mask = mask.crop(0, 0, min(mask.width, rgb.width), min(mask.height, rgb.height))
            mask = mask.embed(0, 0, rgb.width, rgb.height, extend="copy")
        return mask.cast("uchar")
