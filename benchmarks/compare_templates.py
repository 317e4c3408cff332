"""Check that the hand-written apps (benchmarks/raw_app.py and benchmarks/floor_app.py in
Python, benchmarks/js/raw_app.js in JavaScript) emit the same templates as this library's app
for the same generated organisation, asset hashes masked, and that the aws-cdk-lib L2 app
(benchmarks/l2_app.py), whose templates differ in shape, makes as many resources per function
as the library. Exit 1 on a difference.

    python benchmarks/compare_templates.py [<consumer accounts> <functions each>]
"""

from __future__ import annotations

import collections
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
        "python L2": [sys.executable, str(BENCHMARKS / "l2_app.py"), *size, str(outdir)],
        "javascript": [str(NODE), str(BENCHMARKS / "js" / "raw_app.js"), *size, str(outdir),
                       str(config)],
    }  # fmt: skip


IDENTICAL = ("python", "python floor", "javascript")  # the library's templates exactly
SAME_COUNTS = ("python L2",)  # as many resources per function as the library


def synthesize(accounts: int, functions: int, scratch: Path) -> dict[str, dict[str, Any]]:
    """Every app's templates, by app and stack."""
    config = scratch / "org.json"
    config.write_text(json.dumps(org_config(accounts, functions)))
    found = {}
    for name in ("library", *IDENTICAL, *SAME_COUNTS):
        outdir = scratch / name
        command = commands(accounts, functions, outdir, config)[name]
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        found[name] = assembly_templates(outdir)
    return found


def resource_counts(
    templates: dict[str, Any], config: dict[str, Any]
) -> dict[str, tuple[int, dict[str, int]]]:
    """For each consumer stack (``Functions``, and ``Functions-2`` ... when the account's
    functions are spread over stacks): how many of its resources are the stack's own (shared by
    its functions) and how many each function's. A resource is a function's when its logical ID
    starts with the function's name (its letters and digits), as the IDs aws-cdk-lib gives the
    constructs of a function, or beside it named after it, do. An account of one stack lists
    all its functions; of several, each stack the functions that have resources in it."""
    counts = {}
    for consumer in config["consumerAccounts"]:
        names = {re.sub("[^A-Za-z0-9]", "", f["name"]): f["name"] for f in consumer["functions"]}
        stage = f"Consumer-{consumer['name']}/"
        stacks = sorted(s for s in templates if s.startswith(f"{stage}Functions"))
        for stack in stacks:
            per_function: collections.Counter[str] = collections.Counter()
            shared = 0
            for logical_id in templates[stack]["Resources"]:
                owners = [prefix for prefix in names if logical_id.startswith(prefix)]
                if owners:
                    per_function[names[max(owners, key=len)]] += 1
                else:
                    shared += 1
            counts[stack] = (
                shared,
                {
                    f["name"]: per_function[f["name"]]
                    for f in consumer["functions"]
                    if len(stacks) == 1 or per_function[f["name"]]
                },
            )
    return counts


def same_counts(found: dict[str, dict[str, Any]], config: dict[str, Any]) -> list[str]:
    """Print the resources per consumer stack of the library and of each app in SAME_COUNTS;
    the apps whose count for some function differs from the library's."""
    library = resource_counts(found["library"], config)
    different = []
    for name in SAME_COUNTS:
        theirs = resource_counts(found[name], config)
        for stack, (shared, ours) in library.items():
            their_shared, their_functions = theirs[stack]
            print(f"{stack}: library {describe(shared, ours)}; {name}"
                  f" {describe(their_shared, their_functions)}")  # fmt: skip
            if ours != their_functions and name not in different:
                different.append(name)
    return different


def describe(shared: int, per_function: dict[str, int]) -> str:
    """'20 resources (2 of the stack, 6 for each of 3 functions)'."""
    spread = collections.Counter(per_function.values())
    each = ", ".join(f"{count} for each of {n} functions" for count, n in sorted(spread.items()))
    return f"{shared + sum(per_function.values())} resources ({shared} of the stack, {each})"


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    accounts, functions = (int(a) for a in arguments[:2]) if len(arguments) > 1 else (2, 3)
    with tempfile.TemporaryDirectory() as scratch:
        found = synthesize(accounts, functions, Path(scratch))
    templates = {name: masked(found[name]) for name in ("library", *IDENTICAL)}
    different = [name for name, text in templates.items() if text != templates["library"]]
    for name in different:
        diff = difflib.unified_diff(
            templates["library"].splitlines(), templates[name].splitlines(), "library", name
        )
        print("\n".join(list(diff)[:80]))
    miscounted = same_counts(found, org_config(accounts, functions))
    for name in miscounted:
        print(f"{name} does not make as many resources per function as the library")
    if different or miscounted:
        return 1
    print(f"identical templates at {accounts}x{functions} (asset hashes masked): the library,"
          " the hand-written Python app, its fewest-round-trips form and the hand-written"
          " JavaScript app; as many resources per function in the L2 app")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
