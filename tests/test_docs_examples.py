"""The examples in README.md and docs/ run as written, and the lists in them are complete."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyvips
from starlette.testclient import TestClient

from imgorigin.transform.limits import MAX_DPR
from tests.helpers import TEST_URL_SECRET, Account

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _blocks(page: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", page.read_text(), flags=re.DOTALL)


def test_readme_lists_every_docs_page() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [page.name for page in sorted(DOCS.glob("*.md")) if f"(docs/{page.name})" not in readme]
    assert missing == [], f"README.md's documentation list lacks {missing}"


def test_the_cloudinary_sdk_example_signs_a_url_the_origin_serves(client: TestClient, alice: Account) -> None:
    (snippet,) = [block for block in _blocks(DOCS / "urls.md", "python") if "cloudinary_url" in block]
    image_id = alice.upload("rocket.jpg")["id"]
    # The example as written, in a fresh interpreter with the real SDK; only the id is the test's own.
    run = subprocess.run(
        [sys.executable, "-c", snippet.replace("9fK2xQ7bLm1cXz4P", image_id)], capture_output=True, text=True,
        env={**os.environ, "IMGORIGIN_URL_SECRET": TEST_URL_SECRET, "CLOUDINARY_URL": ""}, timeout=60, check=False,
    )
    assert run.returncode == 0, run.stderr
    url = run.stdout.strip()
    assert re.fullmatch(rf"https://img\.example\.com/t/s--[A-Za-z0-9_-]{{32}}--/c_fill,h_300,w_400/{image_id}\.webp",
                        url), url
    response = client.get(url.removeprefix("https://img.example.com"))
    assert response.status_code == 200, response.text
    image = pyvips.Image.new_from_buffer(response.content, "")
    assert (image.width, image.height, response.headers["content-type"]) == (400, 300, "image/webp")


def test_the_jinja_srcset_uses_the_options_of_its_src() -> None:
    """An srcset entry cropped differently from the src would show another picture at another width."""
    (template,) = [block for block in _blocks(DOCS / "web-and-cli.md", "jinja") if "image_srcset" in block]
    src = re.search(r"image_url\(([^)]*)\)", template)
    srcset = re.search(r"image_srcset\(\[[\d, ]+\],\s*([^)]*)\)", template)
    assert src and srcset

    def options(text: str) -> set[str]:
        return {re.sub(r"\s+", "", option) for option in text.split(",")}

    assert options(srcset[1]) == options(src[1])


def test_the_dpr_range_in_the_docs_is_the_parsers() -> None:
    urls = (DOCS / "urls.md").read_text()
    assert f"`dpr_<0.1-{MAX_DPR:g}>`" in urls
    assert f"a number between 0.1 and {MAX_DPR:g}\n" in (DOCS / "transformations.md").read_text()
