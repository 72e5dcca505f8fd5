"""Faces: g_face, g_faces, g_auto:faces, c_thumb with z_, c_crop, and the _faces effects, on the
astronaut photo (its face box is about x 170-280, y 60-185 of 512x512)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pyvips

from imgorigin.blob import Blob
from imgorigin.errors import Unavailable
from imgorigin.transform.facecrop import aim
from imgorigin.transform.faces import Face, FaceDetector
from imgorigin.transform.geometry import plan_resize
from imgorigin.transform.limits import Limits
from imgorigin.transform.plan import parse
from imgorigin.transform.render import render
from imgorigin.transform.source import SourceLimits, read_header
from imgorigin.transform.values import OutputFormat
from tests.helpers import PHOTOS
from tests.imaging import mean_abs_diff
from tests.transform.parsing import assert_canonical, assert_refused
from tests.transform.test_effects import CAT, edge_energy, source

ASTRONAUT = Blob(path=PHOTOS / "astronaut.png")
PHOTO = pyvips.Image.new_from_file(str(PHOTOS / "astronaut.png"))


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def run(blob: Blob, text: str, detector: FaceDetector | None) -> pyvips.Image:
    header = read_header(blob, SourceLimits())
    rendered = render(blob, header, parse(text), OutputFormat.PNG, Limits(), face_detector=detector)
    return pyvips.Image.new_from_buffer(rendered.data, "")


def test_the_detector_finds_the_astronauts_face(detector: FaceDetector) -> None:
    faces = detector.faces(None, lambda: PHOTO)
    assert len(faces) == 1
    left, top, width, height = faces[0].scaled(512, 512)
    assert 160 <= left <= 185 and 50 <= top <= 75
    assert 260 <= left + width <= 290 and 155 <= top + height <= 195


def test_c_crop_g_face_cuts_around_the_face(detector: FaceDetector) -> None:
    out = run(ASTRONAUT, "c_crop,g_face,w_120,h_150", detector)
    assert (out.width, out.height) == (120, 150)
    left, top, width, height = detector.faces(None, lambda: PHOTO)[0].scaled(512, 512)
    expected = PHOTO.crop(left + width // 2 - 60, top + height // 2 - 75, 120, 150)
    assert mean_abs_diff(out, expected) < 1.5
    assert mean_abs_diff(out, PHOTO.crop(196, 181, 120, 150)) > 20  # not the centre crop


def test_c_fill_g_face_keeps_the_face_in_a_narrow_crop(detector: FaceDetector) -> None:
    out = run(ASTRONAUT, "c_fill,g_face,w_100,h_512", detector)
    assert (out.width, out.height) == (100, 512)
    # The face's centre is near x 225: the 100 px strip runs from about 175 to 275.
    assert mean_abs_diff(out, PHOTO.crop(175, 0, 100, 512)) < 4
    assert mean_abs_diff(out, PHOTO.crop(206, 0, 100, 512)) > mean_abs_diff(out, PHOTO.crop(175, 0, 100, 512))


def test_c_thumb_g_face_frames_the_face_and_zoom_shows_more(detector: FaceDetector) -> None:
    close = run(ASTRONAUT, "c_thumb,g_face,w_100,h_100", detector)
    wide = run(ASTRONAUT, "c_thumb,g_face,w_100,h_100,z_0.75", detector)
    assert (close.width, close.height) == (100, 100) == (wide.width, wide.height)
    # The face fills about half the close thumbnail and less of the wider one.
    close_faces = FaceDetector().faces(None, lambda: close.resize(2))
    wide_faces = FaceDetector().faces(None, lambda: wide.resize(2))
    assert close_faces and wide_faces
    assert 0.35 < close_faces[0].width < 0.65
    assert wide_faces[0].width < close_faces[0].width * 0.9


def test_aim_geometry_for_thumb_zoom_and_faces() -> None:
    component = parse("c_thumb,g_face,w_100,h_100").components[0]
    face = Face(0.4, 0.2, 0.1, 0.1)  # 100 px square at (400, 200) of a 1000x1000 image
    resize = plan_resize((1000, 1000), component)
    assert resize is not None
    aimed = aim(resize, component, (1000, 1000), (face,))
    # A region two face heights (200 px) around the face centre (450, 250), scaled to 100 px.
    assert aimed.scaled == (500, 500) and aimed.crop is not None
    assert (aimed.crop.left, aimed.crop.top, aimed.crop.width, aimed.crop.height) == (175, 75, 100, 100)
    zoomed = aim(resize, parse("c_thumb,g_face,w_100,h_100,z_2.0").components[0], (1000, 1000), (face,))
    assert zoomed.scaled == (1000, 1000)
    both = parse("c_fill,g_faces,w_200,h_1000").components[0]
    pair = (Face(0.1, 0.1, 0.1, 0.1), Face(0.3, 0.5, 0.2, 0.2))
    fill = plan_resize((1000, 1000), both)
    assert fill is not None
    placed = aim(fill, both, (1000, 1000), pair)
    assert placed.crop is not None and placed.crop.left == 200  # centred on the union 100-500
    largest = aim(fill, parse("c_fill,g_face,w_200,h_1000").components[0], (1000, 1000), pair)
    assert largest.crop is not None and largest.crop.left == 300  # the bigger face, centre 400


def test_two_faces_are_found_and_g_faces_spans_them(tmp_path: Path, detector: FaceDetector) -> None:
    pair = PHOTO.embed(0, 0, 1024, 512, extend="white").insert(PHOTO, 512, 0)
    blob = source(tmp_path, pair.copy(interpretation="srgb"), "pair.png")
    faces = FaceDetector().faces(None, lambda: pair)
    assert len(faces) == 2
    boxes = [face.scaled(1024, 512) for face in faces]
    left = min(box[0] for box in boxes)
    right = max(box[0] + box[2] for box in boxes)
    top = min(box[1] for box in boxes)
    bottom = max(box[1] + box[3] for box in boxes)
    out = run(blob, "c_crop,g_faces,w_700,h_200", detector)
    expected = pair.crop((left + right) // 2 - 350, (top + bottom) // 2 - 100, 700, 200)
    assert mean_abs_diff(out, expected) < 1.5
    one = run(blob, "c_crop,g_face,w_200,h_200", detector)  # a single face: one of the two
    assert min(mean_abs_diff(one, pair.crop(box[0] + box[2] // 2 - 100, box[1] + box[3] // 2 - 100, 200, 200))
               for box in boxes) < 1.5


def test_without_faces_g_face_is_centred_and_g_auto_faces_is_the_smart_crop(detector: FaceDetector) -> None:
    centre = run(CAT, "c_fill,w_150,h_300", detector)
    assert mean_abs_diff(run(CAT, "c_fill,g_face,w_150,h_300", detector), centre) == 0
    smart = run(CAT, "c_fill,g_auto,w_150,h_300", detector)
    assert mean_abs_diff(run(CAT, "c_fill,g_auto:faces,w_150,h_300", detector), smart) == 0


def test_faces_are_detected_once_per_source(tmp_path: Path) -> None:
    fresh = FaceDetector()
    blob = source(tmp_path, PHOTO, "astro.png")
    for text in ("c_fill,g_face,w_100,h_100", "c_fill,g_face,w_200,h_120", "c_thumb,g_faces,w_64,h_64"):
        run(blob, text, fresh)
    assert fresh.detections == 1


def test_pixelate_and_blur_faces_change_only_the_faces(detector: FaceDetector) -> None:
    whole = run(ASTRONAUT, "w_1.0", detector)
    left, top, width, height = detector.faces(None, lambda: PHOTO)[0].scaled(512, 512)
    for text in ("e_pixelate_faces:12", "e_blur_faces"):
        out = run(ASTRONAUT, text, detector)
        face = (left + 4, top + 4, width - 8, height - 8)
        assert edge_energy(out.crop(*face)) < 0.6 * edge_energy(whole.crop(*face)), text
        assert mean_abs_diff(out.crop(0, 300, 512, 212), whole.crop(0, 300, 512, 212)) == 0, text
    blocks = run(ASTRONAUT, "e_pixelate_faces:12", detector).crop(left, top, 12, 12)
    assert all(blocks[band].deviate() < 0.5 for band in range(3))


def test_a_missing_detector_is_a_clear_503(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(Unavailable) as raised:
        run(ASTRONAUT, "c_fill,g_face,w_100,h_100", None)
    assert raised.value.message == "Face detection is not available here"
    monkeypatch.setitem(sys.modules, "cv2", None)  # as if the faces extra were not installed
    with pytest.raises(Unavailable) as raised:
        run(ASTRONAUT, "e_blur_faces", FaceDetector())
    assert raised.value.message == "Face detection is not installed on this server (pip install 'imgorigin[faces]')"
    assert raised.value.status == 503


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("c_pad,g_face,w_100,h_100", "g_face needs c_fill, c_lfill, c_crop, c_thumb or c_auto (c_pad,g_face,w_100,h_100)"),
        ("c_fill,w_100,h_100,z_0.5", "z_ needs c_thumb or c_crop with g_face, g_faces or g_auto:faces in the same component (c_fill,w_100,h_100,z_0.5)"),
        ("c_thumb,g_face,w_100,z_11", "Invalid z_11: expected a number between 0.1 and 10 for zoom"),
        ("g_face,w_100", "g_ needs c_fill, c_lfill, c_pad, c_lpad, c_crop, c_thumb, c_auto or c_fill_pad (g_face,w_100)"),
        ("l_logo/fl_layer_apply,g_faces", "g_faces cannot place an overlay: use a compass point (fl_layer_apply,g_faces)"),
        ("e_blur_faces:0", "Invalid e_blur_faces:0: expected an integer between 1 and 2000 after e_blur_faces: for effect"),
        ("g_nose,c_fill,w_10", "Invalid g_nose: expected a gravity: one of north_west, north, north_east, west, center, east, south_west, south, south_east, auto, face, faces, auto:faces for gravity"),
    ],
)
def test_parse_errors_are_exact(text: str, message: str) -> None:
    assert_refused(text, message)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("c_thumb,g_face,w_100,h_100,z_0.75", "c_thumb,g_face,h_100,w_100,z_0.75"),
     ("g_auto:faces,c_fill,w_10,h_10", "c_fill,g_auto:faces,h_10,w_10"),
     ("e_pixelate_faces", "e_pixelate_faces:5"), ("e_blur_faces", "e_blur_faces:500")],
)
def test_canonical_forms(text: str, canonical: str) -> None:
    assert_canonical(text, canonical)
