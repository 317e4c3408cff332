"""Synth cost of functions that roll out gradually (issue 14): the generated organisation of
benchmarks/synth_scale.py with every function on alias ``live`` and CodeDeploy's canary (10 %
of the traffic, the rest 5 minutes later), (a) with this library through its configuration
(each account's ``functionDefaults``), (b2) written by hand with aws-cdk-lib's L2s
(benchmarks/l2_app.py given the same configuration). An account whose functions would pass
CloudFormation's 500 resources in one stack gets ``functionStacks`` (the fewest that fit, the
same for every account), and the hand-written app splits its stacks by the same rule.

Median wall time of N fresh processes each, round by round (every way once a round), peak RSS
(GNU time), then one more run each counting jsii round trips and constructs; stacks and
resources read from the templates of the last run, with the resources per function printed for
both. Prints Markdown tables; asserts nothing.

    .venv/bin/python benchmarks/rollout_scale.py [--runs 3] [--sizes 10x10,40x50] [--no-count]
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
import compare_templates  # noqa: E402
from l2_app import functions_stack_of  # noqa: E402
from synth_scale import measure  # noqa: E402

from stacks.generate import org_config  # noqa: E402
from tests.cdk_harness import assembly_templates  # noqa: E402

WAYS = {
    "library": "(a) library, rollout from the configuration",
    "python L2": "(b2) aws-cdk-lib L2s, alias and LambdaDeploymentGroup by hand",
}
ROLLOUT = {"alias": "live", "deployment": {"type": "canary", "percent": 10, "minutes": 5}}
PER_FUNCTION = 14  # the library's resources per rolled-out function (printed from templates)
PER_STACK = 3  # its functions key, shared X-Ray policy and CodeDeploy application
MAX_RESOURCES = 500  # CloudFormation's limit per stack


def fewest_stacks(config: dict[str, Any], per_function: int, per_stack: int) -> int:
    """The fewest functions stacks, the same for every account, under which no stack of the
    library's split (a SHA-256 of each function's name) holds more than 500 resources."""
    stacks = 1
    while True:
        largest = max(
            max(
                collections.Counter(
                    functions_stack_of(f["name"], stacks) for f in c["functions"]
                ).values()
            )
            for c in config["consumerAccounts"]
        )
        if largest * per_function + per_stack <= MAX_RESOURCES:
            return stacks
        stacks += 1


def rollout_config(accounts: int, functions: int) -> dict[str, Any]:
    """org_config with every account's functions on alias live and a canary deployment."""
    config = org_config(accounts, functions)
    stacks = fewest_stacks(config, PER_FUNCTION, PER_STACK)
    for consumer in config["consumerAccounts"]:
        consumer["functionDefaults"] = ROLLOUT
        if stacks > 1:
            consumer["functionStacks"] = stacks
    return config


def shape(outdir: Path, config: dict[str, Any]) -> tuple[int, int, list[str]]:
    """Consumer stacks, their resources, and the resources per function described per
    distinct count, read from a cloud assembly."""
    counts = compare_templates.resource_counts(assembly_templates(outdir), config)
    resources = sum(shared + sum(each.values()) for shared, each in counts.values())
    per_function = collections.Counter(n for _, each in counts.values() for n in each.values())
    shared = collections.Counter(shared for shared, _ in counts.values())
    described = [
        ", ".join(f"{n} functions of {count}" for count, n in sorted(per_function.items())),
        ", ".join(f"{n} stacks {count}" for count, n in sorted(shared.items())),
    ]
    return len(counts), resources, described


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10x10,40x50")
    parser.add_argument("--no-count", action="store_true", help="skip the counting runs")
    args = parser.parse_args()
    print("| size | way | median wall (s) | per function (ms) | peak RSS (MB) | consumer stacks |"
          " their resources | resources per function | resources of each stack |"
          " round trips per function, building | constructs per function |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    ratios = []
    for size in args.sizes.split(","):
        accounts, functions = (int(n) for n in size.split("x"))
        count = accounts * functions
        config = rollout_config(accounts, functions)
        with tempfile.TemporaryDirectory() as scratch:
            written = Path(scratch) / "org.json"
            written.write_text(json.dumps(config))
            commands = {}
            for name in WAYS:
                outdir = Path(scratch) / name.replace(" ", "-")
                command = compare_templates.commands(accounts, functions, outdir, written)[name]
                commands[name] = (outdir, [*command, "--config", str(written)])
            runs: dict[str, list[tuple[float, float, str]]] = {name: [] for name in WAYS}
            for _ in range(args.runs):
                for name in WAYS:
                    runs[name].append(measure(commands[name][1]))
            medians = {}
            for name in WAYS:
                outdir, command = commands[name]
                stacks, resources, described = shape(outdir, config)
                medians[name] = statistics.median(r[0] for r in runs[name])
                counted = ["", ""]
                if not args.no_count:
                    line = measure([*command, "--count-jsii", "--count-constructs"])[2]
                    figures = json.loads(line.splitlines()[-1])
                    counted = [
                        f"{figures['jsii_calls_construct'] / count:.1f}",
                        f"{figures['constructs'] / count:.1f}",
                    ]
                stacks_each = config["consumerAccounts"][0].get("functionStacks", 1)
                print(
                    f"| {size} | {WAYS[name]} | {medians[name]:.1f} |"
                    f" {1000 * medians[name] / count:.1f} | {max(r[1] for r in runs[name]):.0f} |"
                    f" {stacks} ({stacks_each} per account) | {resources:,} | {described[0]} |"
                    f" {described[1]} | {' | '.join(counted)} |",
                    flush=True,
                )
        rounds = [a[0] / b2[0] for a, b2 in zip(runs["library"], runs["python L2"], strict=True)]
        ratios.append(
            f"| {size} | {medians['library'] / medians['python L2']:.2f} |"
            f" {', '.join(f'{r:.2f}' for r in rounds)} |"
        )
    print()
    print("| size | a/b2 with rollouts | a/b2 round by round |")
    print("| --- | --- | --- |")
    print("\n".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
