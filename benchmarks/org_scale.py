"""Synth of the two organisation shapes issue 17 asks for, with this library only: one
consumer account with 300 functions (spread over the fewest ``functionStacks`` under which no
stack passes CloudFormation's 500 resources), and 150 consumer accounts with one function
each, their repository shared with an AWS Organization (``organizationId``) instead of listing
the accounts (a repository policy holds 10,240 characters, about 90 listed accounts).

Median wall time of N fresh processes (benchmarks/synth_once.py with the generated
configuration), its construct and synth phases, peak RSS (GNU time), and the stacks, resources
and repository policy size of the last run's templates. Prints a Markdown table; asserts
nothing.

    .venv/bin/python benchmarks/org_scale.py [--runs 3] [--shapes 1x300,150x1]
"""

from __future__ import annotations

import argparse
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
from rollout_scale import fewest_stacks  # noqa: E402
from synth_scale import measure  # noqa: E402

from stacks.generate import org_config  # noqa: E402
from tests.cdk_harness import assembly_templates  # noqa: E402

PER_FUNCTION = 6  # the library's resources per function without a rollout
PER_STACK = 2  # its functions key and shared X-Ray policy
ORGANIZATION = "o-benchmark01"
LISTED_AT_MOST = 90  # accounts a repository's consumers list can hold (issue 17)


def shaped_config(accounts: int, functions: int) -> dict[str, Any]:
    """org_config, with functionStacks where one stack would not hold an account's functions,
    and the repository shared with the organisation past what a listed policy holds."""
    config = org_config(accounts, functions)
    stacks = fewest_stacks(config, PER_FUNCTION, PER_STACK)
    for consumer in config["consumerAccounts"]:
        if stacks > 1:
            consumer["functionStacks"] = stacks
    if accounts > LISTED_AT_MOST:
        for repository in config["repositories"]:
            del repository["consumers"]
            repository["organizationId"] = ORGANIZATION
    return config


def policy_characters(templates: dict[str, Any]) -> int:
    """The longest repository policy's length in characters (as JSON, unresolved tokens
    included)."""
    return max(
        len(json.dumps(resource["Properties"].get("RepositoryPolicyText", {})))
        for template in templates.values()
        for resource in template.get("Resources", {}).values()
        if resource["Type"] == "AWS::ECR::Repository"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shapes", default="1x300,150x1")
    args = parser.parse_args()
    print("| shape | functions | how | median wall (s) | construct (s) | synth (s) |"
          " peak RSS (MB) | stacks | resources | in the largest stack |"
          " repository policy (chars) |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    for shape in args.shapes.split(","):
        accounts, functions = (int(n) for n in shape.split("x"))
        config = shaped_config(accounts, functions)
        with tempfile.TemporaryDirectory() as scratch:
            written = Path(scratch) / "org.json"
            written.write_text(json.dumps(config))
            outdir = Path(scratch) / "out"
            command = compare_templates.commands(accounts, functions, outdir, written)["library"]
            runs = [measure([*command, "--config", str(written)]) for _ in range(args.runs)]
            templates = assembly_templates(outdir)
        phases = [json.loads(r[2].splitlines()[-1]) for r in runs]
        sizes = [len(t.get("Resources", {})) for t in templates.values()]
        stacks_each = config["consumerAccounts"][0].get("functionStacks", 1)
        how = (
            f"functionStacks {stacks_each}"
            if stacks_each > 1
            else f"organizationId (not {accounts} listed accounts)"
            if "organizationId" in config["repositories"][0]
            else "as generated"
        )
        print(
            f"| {shape} | {accounts * functions} | {how} |"
            f" {statistics.median(r[0] for r in runs):.1f} |"
            f" {statistics.median(p['construct_s'] for p in phases):.1f} |"
            f" {statistics.median(p['synth_s'] for p in phases):.1f} |"
            f" {max(r[1] for r in runs):.0f} | {len(templates)} | {sum(sizes):,} |"
            f" {max(sizes)} | {policy_characters(templates):,} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
