"""Synth time and peak memory of a generated organisation (one image account, K consumer
accounts with F functions each) five ways: (a) with this library, (b) hand-written with
aws-cdk-lib in Python, (b') the same templates in Python with the fewest jsii round trips
possible (benchmarks/floor_app.py), (b2) written with aws-cdk-lib's L2s as a platform engineer
would, each function a DockerImageFunction (benchmarks/l2_app.py), (c) the hand-written app in
JavaScript on the same Node. (a), (b), (b') and (c) emit identical templates, (b2) as many
resources per function (checked first, at a small size). For (a) and (b2), one more run counts
jsii round trips and constructs. Prints Markdown tables; asserts nothing.

    .venv/bin/python benchmarks/synth_scale.py [--runs 3] [--sizes 10x10,40x50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
import compare_templates  # noqa: E402

from stacks.generate import org_config  # noqa: E402

WAYS = {  # measured in this order, side by side at each size
    "library": "(a) library",
    "library + cdk-nag": "library + cdk-nag",
    "python": "(b) hand-written Python",
    "python floor": "(b') Python, fewest round trips",
    "python L2": "(b2) aws-cdk-lib L2s (DockerImageFunction)",
    "javascript": "(c) hand-written JavaScript",
}
COUNTED = ("library", "python L2")  # one more run each counts round trips and constructs


def measure(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB of the process tree's largest process, stdout)."""
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True,
                            text=True, check=True, cwd=ROOT)  # fmt: skip
    wall = time.monotonic() - started
    return wall, int(result.stderr.strip().splitlines()[-1]) / 1024, result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10x10,40x50")
    args = parser.parse_args()
    if compare_templates.main([]) != 0:
        print("the apps do not emit the same templates; not measuring", file=sys.stderr)
        return 1
    print()
    print("| size | way | median wall (s) | per function (ms) | peak RSS (MB) | jsii round trips |"
          " round trips per function, building | constructs per function |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    summary = []
    for size in args.sizes.split(","):
        accounts, functions = (int(n) for n in size.split("x"))
        count = accounts * functions
        with tempfile.TemporaryDirectory() as scratch:
            config = Path(scratch) / "org.json"
            config.write_text(json.dumps(org_config(accounts, functions)))
            ways = compare_templates.commands(accounts, functions, Path(scratch) / "out", config)
            ways["library + cdk-nag"] = [*ways["library"], "--nag"]
            # Round by round, every way once per round, so that what else the machine runs
            # weighs on all of them alike.
            runs: dict[str, list[tuple[float, float, str]]] = {name: [] for name in WAYS}
            for _ in range(args.runs):
                for name in WAYS:
                    runs[name].append(measure(ways[name]))
            medians: dict[str, float] = {}
            for name in WAYS:
                wall = statistics.median(r[0] for r in runs[name])
                medians[name] = wall
                counts = ["", "", ""]
                if name in COUNTED:
                    counted = measure([*ways[name], "--count-jsii", "--count-constructs"])[2]
                    figures = json.loads(counted.splitlines()[-1])
                    counts = [
                        f"{figures['jsii_calls_total']:,}",
                        f"{figures['jsii_calls_construct'] / count:.1f}",
                        f"{figures['constructs'] / count:.1f}",
                    ]
                print(f"| {size} | {WAYS[name]} | {wall:.1f} | {1000 * wall / count:.1f} |"
                      f" {max(r[1] for r in runs[name]):.0f} | {' | '.join(counts)} |")  # fmt: skip
        rounds = [a[0] / b2[0] for a, b2 in zip(runs["library"], runs["python L2"], strict=True)]
        summary.append((size, count, medians, rounds))
    print()
    print("| size | a/b | a/b2 | a/b2 round by round | a/c | b'/c (the floor) |"
          " cdk-nag share of the library's synth | per function vs 10x10 |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    base = summary[0][2]["library"] / summary[0][1]
    for size, count, medians, rounds in summary:
        a = medians["library"]
        nag = (medians["library + cdk-nag"] - a) / medians["library + cdk-nag"]
        print(
            f"| {size} | {a / medians['python']:.2f} | {a / medians['python L2']:.2f} |"
            f" {', '.join(f'{r:.2f}' for r in rounds)} | {a / medians['javascript']:.2f} |"
            f" {medians['python floor'] / medians['javascript']:.2f} |"
            f" {100 * nag:.0f} % | {a / count / base:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
