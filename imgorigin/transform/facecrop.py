"""Crops aimed at faces: ``c_fill|c_lfill|c_auto|c_crop|c_thumb`` with ``g_face``, ``g_faces`` or
``g_auto:faces``, and ``z_`` (zoom) with ``c_thumb`` and ``c_crop``.

``geometry.plan_resize`` sizes the crop as for a centred one; ``aim`` then moves it (and, for
``c_thumb`` and zoom, sizes the region around the face) once the faces of the canvas are known.
Without a face, ``g_face``/``g_faces`` crop at the centre and ``g_auto:faces`` falls back to the
attention-based smart crop, as Cloudinary does.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from imgorigin.errors import Unavailable
from imgorigin.transform import params as p
from imgorigin.transform.decode import load_scaled, normalise
from imgorigin.transform.faces import PROXY_SIDE, Face, largest, source_identity, union
from imgorigin.transform.geometry import Box, Resize
from imgorigin.transform.numbers import round_half_up
from imgorigin.transform.values import CropMode, Gravity

if TYPE_CHECKING:

    from imgorigin.transform.context import Canvas, RenderContext
    from imgorigin.transform.transformation import Component

FACE_GRAVITIES = frozenset({Gravity.FACE, Gravity.FACES, Gravity.AUTO_FACES})
# c_thumb,g_face: the region is this many face heights tall at z_1.0, so the face has room around it.
THUMB_CONTEXT = 2.0


def wants_faces(component: Component) -> bool:
    gravity = component.get(p.GRAVITY)
    return gravity is not None and gravity in FACE_GRAVITIES


def faces_of(canvas: Canvas, ctx: RenderContext) -> tuple[Face, ...]:
    """The faces of the canvas as it stands, found on a small copy and cached per source while the
    canvas is still the untouched source (the common case: the first component aims at faces)."""
    detector = ctx.face_detector
    if detector is None:
        raise Unavailable("Face detection is not available here", code="faces_not_installed")
    if canvas.image is None:
        width, height = canvas.header.size
        scale = min(1.0, PROXY_SIDE / max(width, height))
        size = (max(1, round_half_up(width * scale)), max(1, round_half_up(height * scale)))
        # An upload-time level serves the proxy when there is one: no fetch of the original.
        blob = canvas.source_for(size, ctx)
        key = f"{source_identity(blob)}#{canvas.page}#{int(ctx.no_rotate)}"
        return detector.faces(key, lambda: normalise(load_scaled(
            blob, *size, no_rotate=ctx.no_rotate, pages=1, page=canvas.page)))
    image = canvas.random_access(ctx)
    return detector.faces(None, lambda: image)


def _centred(focus: tuple[float, float], size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """Top-left of a ``box`` (w, h) centred on ``focus`` (x, y pixels), kept inside ``size``."""
    left = round_half_up(focus[0] - box[0] / 2)
    top = round_half_up(focus[1] - box[1] / 2)
    return min(max(0, left), size[0] - box[0]), min(max(0, top), size[1] - box[1])


def aim(resize: Resize, component: Component, size: tuple[int, int], faces: tuple[Face, ...]) -> Resize:
    """``resize`` with its crop placed on the faces of an image of ``size`` (before scaling)."""
    gravity = component.get(p.GRAVITY)
    mode = component.get(p.CROP)
    if not faces:
        if gravity is Gravity.AUTO_FACES:
            return dataclasses.replace(resize, smart=True)
        return resize
    face = union(faces) if gravity is Gravity.FACES else largest(faces)
    zoom = component.get(p.ZOOM)
    width, height = size
    fx, fy, fw, fh = face.scaled(width, height)
    centre = (fx + fw / 2, fy + fh / 2)
    assert resize.crop is not None
    target = (resize.crop.width, resize.crop.height)
    if mode is CropMode.THUMB or (mode is CropMode.CROP and zoom is not None):
        # The region around the face, of the output's aspect ratio, then scaled to the output size.
        ratio = target[0] / target[1]
        if mode is CropMode.THUMB:
            region_h = fh * THUMB_CONTEXT / (zoom or 1.0)
            region_w = max(region_h * ratio, fw * THUMB_CONTEXT / (zoom or 1.0))
            region_h = region_w / ratio
        else:
            region_w, region_h = target[0] / zoom, target[1] / zoom  # type: ignore[operator]
        fit = min(1.0, width / region_w, height / region_h)  # never larger than the image
        region = (max(1, round_half_up(region_w * fit)), max(1, round_half_up(region_h * fit)))
        factor = target[0] / region[0]
        scaled = (max(1, round_half_up(width * factor)), max(1, round_half_up(height * factor)))
        left, top = _centred((centre[0] * factor, centre[1] * factor), scaled,
                             (min(target[0], scaled[0]), min(target[1], scaled[1])))
        return Resize(scaled, crop=Box(left, top, min(target[0], scaled[0]), min(target[1], scaled[1])))
    sx, sy = resize.scaled[0] / width, resize.scaled[1] / height
    left, top = _centred((centre[0] * sx, centre[1] * sy), resize.scaled, target)
    return dataclasses.replace(resize, crop=Box(left, top, *target), smart=False)
