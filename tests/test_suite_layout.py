"""The suite's own layout: one package, one import style, so bare `pytest` and `python -m pytest` agree
and conftest.py is loaded once."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).parent
SOURCES = sorted(path for path in TESTS.rglob("*.py") if "fixtures" not in path.parts)


def test_every_test_folder_is_a_package() -> None:
    folders = {path.parent for path in SOURCES}
    missing = sorted(str(folder.relative_to(TESTS.parent)) for folder in folders if not (folder / "__init__.py").exists())
    assert missing == [], f"add an empty __init__.py to {missing}"


def test_helpers_are_imported_by_their_package_path() -> None:
    # A helper imported as `from corpus import ...` or `from conftest import ...` is a second copy of
    # that module under another name, and works only where pytest happened to put its folder on sys.path.
    local = {path.stem for path in SOURCES} - {"__init__"}
    pattern = re.compile(r"^\s*(?:from|import)\s+(\w+)(?:\s|\.|$)", re.MULTILINE)
    offenders = [
        f"{path.relative_to(TESTS.parent)}: {name}"
        for path in SOURCES
        for name in pattern.findall(path.read_text())
        if name in local
    ]
    conftest = [
        str(path.relative_to(TESTS.parent))
        for path in SOURCES
        if re.search(r"^\s*from\s+tests\.conftest\s+import", path.read_text(), re.MULTILINE)
    ]
    assert offenders == [], "import them as `from tests.<folder>.<module> import ...`"
    assert conftest == [], "conftest.py holds fixtures only: import helpers from tests.helpers"
