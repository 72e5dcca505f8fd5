"""mypy, with the project's configuration, is clean on the package and reads pyvips from pyvips' own
stubs: libvips calls, the engine's facade (transform/vips.py), the effects' and the flags' values are
checked, not Any. One cold run (its cache in a temporary folder) checks the package and a probe of
known mistakes together."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent('''\
    import pyvips

    from imgorigin.transform.context import RenderContext
    from imgorigin.transform.effects.registry import EFFECTS, effect, optional_int

    image = pyvips.Image.black(2, 2)
    reveal_type(image)
    reveal_type(image[0] + 1)
    reveal_type(image.width)
    reveal_type(EFFECTS["blur"].parse("3").apply)
    image.resize("half")
    image.no_such_operation()


    @effect("probe", parse_arg=optional_int(1, 1, 2), example="e_probe")
    def probe(image: pyvips.Image, level: str, ctx: RenderContext) -> pyvips.Image:
        return image


    from imgorigin.transform.flags import ATTACHMENT, PROGRESSIVE, Flag, Flags

    reveal_type(Flags().value(ATTACHMENT))
    reveal_type(Flags().value(PROGRESSIVE))


    def count(raw: str | None) -> int:
        return 0


    Flag("count", "A flag whose value is an integer.", "fl_count:1", count, format_arg=str.upper)
''')


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("mypy")
    probe = folder / "probe.py"
    probe.write_text(PROBE)
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(folder / "cache"), "--no-error-summary", "imgorigin", str(probe)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert run.stderr == ""
    return [line.replace(str(probe), "probe.py") for line in run.stdout.splitlines()]


def test_the_package_is_clean(report: list[str]) -> None:
    assert [line for line in report if not line.startswith("probe.py:")] == []


def test_pyvips_is_read_from_its_stubs(report: list[str]) -> None:
    revealed = [line for line in report if "Revealed type" in line]
    assert revealed == [
        'probe.py:7: note: Revealed type is "pyvips.vimage.Image"',
        'probe.py:8: note: Revealed type is "pyvips.vimage.Image"',
        'probe.py:9: note: Revealed type is "int"',
        'probe.py:10: note: Revealed type is "def (image: pyvips.vimage.Image, '
        'ctx: imgorigin.transform.context.RenderContext) -> pyvips.vimage.Image"',
        'probe.py:22: note: Revealed type is "str | None"',
        'probe.py:23: note: Revealed type is "imgorigin.transform.flags.Progression | None"',
    ]


def test_a_wrong_libvips_call_is_an_error(report: list[str]) -> None:
    assert 'probe.py:11: error: Argument 1 to "resize" of "Image" has incompatible type "str"; expected "float"  ' \
        "[arg-type]" in report


def test_an_operation_the_stubs_do_not_declare_is_an_error_not_any(report: list[str]) -> None:
    assert 'probe.py:12: error: "Image" has no attribute "no_such_operation" in pyvips\' stubs ' \
        "(Image.__getattr__ is Any)  [misc]" in report


def test_an_effect_must_take_what_its_parser_returns(report: list[str]) -> None:
    assert 'probe.py:15: error: Argument 1 has incompatible type "Callable[[Image, str, RenderContext], Image]"; ' \
        'expected "Callable[[Image, int, RenderContext], Image]"  [arg-type]' in report


def test_a_flag_must_format_what_its_parser_returns(report: list[str]) -> None:
    assert 'probe.py:30: error: Cannot infer value of type parameter "T" of "Flag"  [misc]' in report


def test_the_probe_finds_nothing_else(report: list[str]) -> None:
    assert len([line for line in report if line.startswith("probe.py:")]) == 10
