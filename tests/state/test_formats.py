"""One vocabulary of formats: a record's loader name (jpeg) and an extension (jpg, jpe) read through
the grammar's aliases, in the API, eager derivatives and Cloudinary's layouts alike."""

from __future__ import annotations

import pytest

from imgorigin.api.common import OUTPUT_EXTENSIONS, extension_of
from imgorigin.delivery.cloudpath import public_id_of
from imgorigin.state.records import ImageRecord
from imgorigin.transform.values import FORMAT_ALIASES, OutputFormat


def record(fmt: str) -> ImageRecord:
    return ImageRecord("Img000000000001", 1, "a.bin", fmt, 10, 10, 1, 10, "0" * 64, "2026-01-01T00:00:00Z")


@pytest.mark.parametrize(("stored", "delivered"), [
    ("jpeg", OutputFormat.JPEG), ("png", OutputFormat.PNG), ("webp", OutputFormat.WEBP),
    ("avif", OutputFormat.AVIF), ("gif", OutputFormat.GIF), ("tiff", OutputFormat.TIFF),
    ("svg", OutputFormat.PNG),  # a format delivery does not write
])
def test_a_records_format_is_read_through_the_grammar(stored: str, delivered: OutputFormat) -> None:
    assert record(stored).output_format is delivered
    assert extension_of(record(stored)) == delivered.value


def test_the_apis_extensions_are_the_output_formats() -> None:
    assert tuple(fmt.value for fmt in OutputFormat) == OUTPUT_EXTENSIONS


@pytest.mark.parametrize("extension", [*(fmt.value for fmt in OutputFormat), *FORMAT_ALIASES])
def test_cloud_paths_know_every_extension_the_grammar_reads(extension: str) -> None:
    path = public_id_of(f"folder/photo.{extension}")
    assert (path.public_id, path.extension) == ("folder/photo", extension)


def test_a_dot_that_is_no_format_stays_in_the_public_id() -> None:
    path = public_id_of("my.photo")
    assert (path.public_id, path.extension) == ("my.photo", None)
