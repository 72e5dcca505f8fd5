"""Pure helpers of the client commands: srcset widths, the progress bar, file collection."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest

from imgorigin.cli.remote import at_width
from imgorigin.cli.upload import collect, public_id_from_path
from imgorigin.client.api import _error_message
from imgorigin.client.profiles import ClientError
from imgorigin.client.progress import Progress, human_bytes


@pytest.mark.parametrize(("transformation", "expected"), [
    ("", "w_640"),
    ("c_fill,w_300,h_200", "c_fill,h_427,w_640"),
    ("c_fill,w_300,h_200/q_auto", "c_fill,h_427,w_640/q_auto"),  # the sizing component, not the last one
    ("e_grayscale/c_pad,h_100,w_100,b_blue", "e_grayscale/c_pad,b_blue,h_640,w_640"),
    ("c_fill,h_0.5", "c_fill,w_640"),  # a height that cannot follow the width is dropped
    ("w_0.5", "w_640"),
    ("e_sepia", "e_sepia/w_640"),
])
def test_at_width(transformation: str, expected: str) -> None:
    assert at_width(transformation, 640) == expected


def test_progress_in_a_log_writes_a_line_per_tenth_and_per_file() -> None:
    stream = io.StringIO()
    progress = Progress(stream, total_bytes=1000, total_files=2)
    for _ in range(100):
        progress.advance(5)  # 500 bytes in small reads: five tenths
    progress.file_done("uploaded  a.jpg")
    progress.advance(500)
    progress.file_done("uploaded  b.jpg")
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0] == "[............................]   0%  0/2 files  5 B / 1000 B"
    assert lines.count("uploaded  a.jpg") == 1
    assert lines[-1] == "[############################] 100%  2/2 files  1000 B / 1000 B"
    assert len(lines) == 11  # six bars (0% to 50% by tenths), a file, its bar, 100%, a file, its bar


def test_human_bytes() -> None:
    assert [human_bytes(n) for n in (0, 1023, 1024, 1536 * 1024, 3 * 1024**3)] == [
        "0 B", "1023 B", "1.0 KB", "1.5 MB", "3.0 GB",
    ]


def test_collect_walks_folders_for_images_only(tmp_path: Path) -> None:
    (tmp_path / "a" / ".hidden").mkdir(parents=True)
    for name in ("a/one.JPG", "a/two.png", "a/notes.txt", "a/.hidden/three.png", "four.webp"):
        (tmp_path / name).write_bytes(b"x")
    found = collect([str(tmp_path / "a"), str(tmp_path / "four.webp"), str(tmp_path / "a" / "notes.txt")])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/one.JPG", "a/two.png", "four.webp", "a/notes.txt"]
    # Each with the folder it was found under: a file named directly, its own folder.
    assert [root.relative_to(tmp_path).as_posix() for root in found.values()] == ["a", "a", ".", "a"]
    with pytest.raises(ClientError, match="missing: no such file or folder"):
        collect([str(tmp_path / "missing")])


NGINX_413 = (
    "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
    "<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


@pytest.mark.parametrize(("status", "body", "expected"), [
    # nginx's own page, byte for byte: one line, no HTML.
    (413, NGINX_413, "too large: the proxy in front of the server refuses a body this big "
                     "(HTTP 413 Request Entity Too Large)"),
    (502, "<html><head><title>502 Bad Gateway</title></head><body>...</body></html>", "HTTP 502 Bad Gateway"),
    (500, "upstream exploded\nwith a traceback", "HTTP 500 Internal Server Error: upstream exploded"),
    (404, '{"error": {"code": "image_not_found", "message": "No such image"}}', "No such image (404 image_not_found)"),
])
def test_errors_not_from_imgorigin_are_one_line(status: int, body: str, expected: str) -> None:
    request = httpx.Request("POST", "http://127.0.0.1:8080/images")
    assert _error_message(httpx.Response(status, text=body, request=request)) == expected


@pytest.mark.parametrize(("relative", "expected"), [
    ("eiffel.jpg", "eiffel"),
    ("trips/paris/eiffel.tower.jpg", "trips/paris/eiffel.tower"),
    ("trips/a&b?/50% off+more.png", "trips/a_b_/50_ off_more"),  # what Cloudinary refuses becomes _
    ("Été/café.webp", "Été/café"),  # letters of any language stay
])
def test_public_id_from_path(tmp_path: Path, relative: str, expected: str) -> None:
    assert public_id_from_path(tmp_path / relative, tmp_path) == expected
