"""Check that the hand-written apps (benchmarks/raw_app.py and benchmarks/floor_app.py in
Python, benchmarks/js/raw_app.js in JavaScript) emit the same templates as this library's app
for the same generated organisation, asset hashes masked. Exit 1 on a difference.

    python benchmarks/compare_templates.py [<consumer accounts> <functions each>]
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from stacks.generate import org_config  # noqa: E402
from tests.cdk_harness import assembly_templates  # noqa: E402

HASH = re.compile(r"\b[0-9a-f]{64}\b")
NODE = ROOT / "node_modules" / ".bin" / "node"
BENCHMARKS = ROOT / "benchmarks"


def masked(templates: dict[str, Any]) -> str:
    return HASH.sub("<asset-hash>", json.dumps(templates, indent=1, sort_keys=True))


def commands(accounts: int, functions: int, outdir: Path, config: Path) -> dict[str, list[str]]:
    """How each app synthesizes the organisation into ``outdir``."""
    size = [str(accounts), str(functions)]
    return {
        "library": [sys.executable, str(BENCHMARKS / "synth_once.py"), *size, "--outdir",
                    str(outdir)],
        "python": [sys.executable, str(BENCHMARKS / "raw_app.py"), *size, str(outdir)],
        "python floor": [sys.executable, str(BENCHMARKS / "floor_app.py"), *size, str(outdir)],
        "javascript": [str(NODE), str(BENCHMARKS / "js" / "raw_app.js"), *size, str(outdir),
                       str(config)],
    }  # fmt: skip


def synthesize(accounts: int, functions: int, scratch: Path) -> dict[str, str]:
    config = scratch / "org.json"
    config.write_text(json.dumps(org_config(accounts, functions)))
    found = {}
    for name in ("library", "python", "python floor", "javascript"):
        outdir = scratch / name
        command = commands(accounts, functions, outdir, config)[name]
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        found[name] = masked(assembly_templates(outdir))
    return found


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    accounts, functions = (int(a) for a in arguments[:2]) if len(arguments) > 1 else (2, 3)
    with tempfile.TemporaryDirectory() as scratch:
        templates = synthesize(accounts, functions, Path(scratch))
    different = [name for name, text in templates.items() if text != templates["library"]]
    for name in different:
        diff = difflib.unified_diff(
            templates["library"].splitlines(), templates[name].splitlines(), "library", name
        )
        print("\n".join(list(diff)[:80]))
    if different:
        return 1
    print(f"identical templates at {accounts}x{functions} (asset hashes masked): the library,"
          " the hand-written Python app, its fewest-round-trips form and the hand-written"
          " JavaScript app")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
