"""Whether a virtual environment is whole, run by its own interpreter (standard library only):
pip imports, every exact pin of the given requirement files is installed at its version, and
no file that an installed distribution recorded is missing. Prints what is wrong and exits 1
when it is not, so that set-up rebuilds it instead of failing later in a confusing way.

    .venv/bin/python scripts/check_venv.py requirements.txt requirements-dev.txt
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)\s*(?:#.*)?$")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def problems(requirement_files: list[Path]) -> list[str]:
    found = []
    try:
        import pip._internal.cli.main  # noqa: F401 - what an interrupted venv cannot import
    except Exception as error:  # any failure at all means pip is broken
        found.append(f"pip does not import: {error}")
    installed = {_normal(d.metadata["Name"] or ""): d for d in metadata.distributions()}
    for requirements in requirement_files:
        for line in requirements.read_text().splitlines():
            pin = PIN.match(line.strip())
            if not pin:
                continue
            name, version = pin.groups()
            distribution = installed.get(_normal(name))
            if distribution is None:
                found.append(f"{name} ({requirements.name}) is not installed")
            elif distribution.version != version:
                found.append(
                    f"{name} is {distribution.version}, {requirements.name} pins {version}"
                )
    for distribution in installed.values():
        for file in distribution.files or []:
            # Bytecode comes and goes (PYTHONDONTWRITEBYTECODE): not a sign of damage.
            if file.suffix == ".pyc" or "__pycache__" in file.parts:
                continue
            if not Path(str(file.locate())).exists():
                found.append(f"{distribution.metadata['Name']}: {file} is missing")
                break
    return found


def main(argv: list[str]) -> int:
    found = problems([Path(a) for a in argv])
    for problem in found[:10]:
        print(f"  {problem}")
    if len(found) > 10:
        print(f"  and {len(found) - 10} more")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
