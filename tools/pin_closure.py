"""Print exact pins for the packages named in a requirements.in file and everything they
require, as installed in the current environment.

    .venv/bin/python tools/pin_closure.py requirements.in

Used to regenerate requirements.txt / requirements-dev.txt without a lock file that records
registry addresses (see CONTRIBUTING.md).
"""

from __future__ import annotations

import sys
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement


def normalise(name: str) -> str:
    return name.lower().replace("_", "-")


def closure(names: list[str]) -> dict[str, Distribution]:
    found: dict[str, Distribution] = {}
    extras: dict[str, set[str]] = {}
    stack = list(names)
    while stack:
        req = Requirement(stack.pop())
        key = normalise(req.name)
        try:
            dist = distribution(req.name)
        except PackageNotFoundError:
            continue
        extras.setdefault(key, set()).update(req.extras)
        found[key] = dist
        for spec in dist.requires or []:
            sub = Requirement(spec)
            wanted = sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in {"", *extras[key]})
            if wanted and normalise(sub.name) not in found:
                stack.append(f"{sub.name}[{','.join(sub.extras)}]" if sub.extras else sub.name)
    return found


def main(path: str) -> None:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    top = [line.strip() for line in lines if line.strip() and not line.startswith(("#", "-r"))]
    for _, dist in sorted(closure(top).items()):
        print(f"{dist.metadata['Name']}=={dist.version}")


if __name__ == "__main__":
    main(sys.argv[1])
