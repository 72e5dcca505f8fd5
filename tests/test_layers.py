"""The layers of docs/architecture.md, held: below the planes, nothing imports a plane or an entry point
(imports inside functions and under TYPE_CHECKING included)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "imgorigin"
BELOW_THE_PLANES = ("transform", "info", "state", "storage", "services", "clouds", "http")
ABOVE = ("delivery", "api", "ops", "web", "app", "planes", "asgi", "cli")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            if node.module == "imgorigin":
                names |= {f"imgorigin.{alias.name}" for alias in node.names}
    return names


def test_no_layer_below_the_planes_imports_one() -> None:
    upward = sorted(
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for layer in BELOW_THE_PLANES
        for path in (PACKAGE / layer).rglob("*.py")
        for name in imported(path)
        if name.startswith("imgorigin.") and name.split(".")[1] in ABOVE
    )
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from imgorigin.delivery.cloud import CloudDelivery\n")
    assert imported(module) == {"imgorigin.delivery.cloud"}
