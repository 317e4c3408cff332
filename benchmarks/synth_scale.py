"""Synth time and peak memory of a generated organisation with this library, at 10x10 and
40x50 (consumer accounts x functions each), with and without the cdk-nag packs. Prints a
Markdown table; asserts nothing.

    .venv/bin/python benchmarks/synth_scale.py [--runs 3] [--sizes 10x10,40x50]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONCE = ROOT / "benchmarks" / "synth_once.py"


def measure(accounts: int, functions: int, nag: bool, count: bool = False) -> dict[str, float]:
    """One run in a fresh process, under GNU time for the peak RSS of Python and Node."""
    command = (
        ["/usr/bin/time", "-f", "%M", sys.executable, str(ONCE), str(accounts), str(functions)]
        + (["--nag"] if nag else [])
        + (["--count-jsii"] if count else [])
    )
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT,
                            env={**os.environ})  # fmt: skip
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    figures["peak_rss_mb"] = int(result.stderr.strip().splitlines()[-1]) / 1024
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10x10,40x50")
    args = parser.parse_args()
    print(
        "| size | functions | cdk-nag | median wall (s) | construct (s) | synth (s) |"
        " per function (ms) | peak RSS (MB) | jsii calls |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in args.sizes.split(","):
        accounts, functions = (int(n) for n in size.split("x"))
        medians = {}
        for nag in (False, True):
            runs = [measure(accounts, functions, nag) for _ in range(args.runs)]
            calls = measure(accounts, functions, nag, count=True)["jsii_calls_total"]
            total = statistics.median(r["total_s"] for r in runs)
            medians[nag] = total
            count = accounts * functions
            print(
                f"| {size} | {count} | {'yes' if nag else 'no'} | {total:.1f} |"
                f" {statistics.median(r['construct_s'] for r in runs):.1f} |"
                f" {statistics.median(r['synth_s'] for r in runs):.1f} |"
                f" {1000 * total / count:.1f} |"
                f" {max(r['peak_rss_mb'] for r in runs):.0f} | {calls:.0f} |"
            )
        share = (medians[True] - medians[False]) / medians[True]
        print(f"|  |  | cdk-nag share at {size}: {100 * share:.0f} % |  |  |  |  |  |  |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
