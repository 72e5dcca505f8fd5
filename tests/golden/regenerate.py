"""Write the golden images again: ``python -m tests.golden.regenerate [case ...]`` (all cases by default).

Run it when a change to an effect or to the geometry is intended, look at the new images, and commit
them with the change that explains them.
"""

from __future__ import annotations

import sys

from tests.golden.cases import CASES, IMAGES, rendered


def main(argv: list[str]) -> int:
    names = set(argv)
    unknown = names - {case.name for case in CASES}
    if unknown:
        print(f"no such case: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    IMAGES.mkdir(exist_ok=True)
    for case in CASES:
        if names and case.name not in names:
            continue
        image = rendered(case.transformation, case.photo)
        image.pngsave(str(case.path), compression=9, keep="none")
        print(f"{case.path.name}: {case.transformation} on {case.photo}, {image.width}x{image.height}, "
              f"{case.path.stat().st_size} bytes")
    if not names:
        for stale in set(IMAGES.glob("*.png")) - {case.path for case in CASES}:
            stale.unlink()
            print(f"{stale.name}: removed (no such case)")
    total = sum(path.stat().st_size for path in IMAGES.glob("*.png"))
    print(f"{len(list(IMAGES.glob('*.png')))} images, {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
