"""An organisation of N consumer accounts (default 2,000), one function each, synthesized both
ways issue 25 asks for, each in a fresh process:

- pipeline: the accounts listed, in waves of N/100 (the configuration holds 100 waves), deployed
  by chained pipelines of ``wavesPerPipeline`` waves each;
- stacksets: the same function as one ``orgWideFunctions`` block over the organisational
  units that hold the accounts (a StackSet reaches every account of its units, so the
  configuration and the synth do not grow with the accounts).

Prints a Markdown table: wall time, peak RSS (GNU time, the largest process), stacks,
largest template, pipelines and their CodePipeline stages (the most in one pipeline), and
whether every quota of
``lambda_image_constructs.quotas`` is met (``check_cloud_assembly`` on the output). The
compliance packs are left out, as in org_scale.py: they are measured in synth_scale.py.
Asserts nothing.

    .venv/bin/python benchmarks/org_quotas.py [--accounts 2000] [--waves-per-pipeline 5]
        [--ways pipeline,stacksets]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import synth_scale  # noqa: E402

from stacks.generate import org_config  # noqa: E402

ORGANIZATION = "o-benchmark01"
UNITS = [f"{ORGANIZATION}/r-ab12/ou-ab12-{n:08d}/" for n in range(1, 5)]
CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/benchmark"
WAVES = 100  # the most a configuration holds


def pipeline_config(accounts: int, waves_per_pipeline: int) -> dict[str, Any]:
    config = org_config(accounts, 1)
    per_wave = -(-accounts // WAVES)
    for index, consumer in enumerate(config["consumerAccounts"]):
        consumer["wave"] = index // per_wave + 1
    for repository in config["repositories"]:
        del repository["consumers"]
        repository["organizationId"] = ORGANIZATION
    config["pipeline"] = {
        "account": "111111111111",
        "connectionArn": CONNECTION,
        "repository": "example-org/lambda-platform",
        "wavesPerPipeline": waves_per_pipeline,
    }
    return config


def stack_set_config() -> dict[str, Any]:
    config = org_config(1, 1)
    function = config["consumerAccounts"][0]["functions"][0]
    config["consumerAccounts"] = []
    config["repositories"][0] = {
        "name": "platform/lambda-images",
        "organizationPaths": [f"{ORGANIZATION}/r-ab12/"],
        "regions": ["eu-west-1"],
    }
    config["orgWideFunctions"] = [
        {
            "name": "everywhere",
            "organizationalUnits": UNITS,
            "regions": ["us-east-1", "eu-west-1"],
            "functions": [{**function, "name": "fn-everywhere"}],
            "maxConcurrentPercent": 10,
            "failureTolerancePercent": 1,
        }
    ]
    return config


SYNTH = """
import json, sys
from aws_cdk import App
sys.path.insert(0, {root!r})
from tests.cdk_harness import cdk_json_context
from tests.test_org import build_app_without_packs
context = {{**cdk_json_context(), "config": {config!r}, **json.loads({extra!r})}}
build_app_without_packs(App(context=context, outdir={outdir!r})).synth()
"""


def synthesize(config: dict[str, Any], scratch: Path, extra: dict[str, str]) -> dict[str, Any]:
    written = scratch / "org.json"
    written.write_text(json.dumps(config))
    outdir = scratch / "out"
    script = SYNTH.format(
        root=str(ROOT), config=str(written), extra=json.dumps(extra), outdir=str(outdir)
    )
    wall, peak_mb, _ = synth_scale.measure([sys.executable, "-c", script])
    return {"wall": wall, "peak_mb": peak_mb, **measure(outdir)}


def measure(outdir: Path) -> dict[str, Any]:
    from lambda_image_constructs.errors import LambdaImageValidationError
    from lambda_image_constructs.quotas import check_cloud_assembly, templates_of

    stacks = list(templates_of(outdir))
    largest = max(stacks, key=lambda s: s[1].stat().st_size)
    stages = []
    for _, path, _ in stacks:
        template = json.loads(path.read_text())
        for resource_ in template.get("Resources", {}).values():
            if resource_["Type"] == "AWS::CodePipeline::Pipeline":
                stages.append(len(resource_["Properties"]["Stages"]))
    try:
        check_cloud_assembly(outdir)
        quotas = "all met"
    except LambdaImageValidationError as error:
        quotas = f"{len(error.problems)} passed: {error.problems[0]}"
    return {
        "stacks": len(stacks),
        "largest": f"{largest[1].stat().st_size / 1000:,.0f} KB ({largest[0]})",
        "pipelines": len(stages),
        "stages": f"{sum(stages)} (at most {max(stages)})" if stages else "-",
        "quotas": quotas,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--waves-per-pipeline", type=int, default=5)
    parser.add_argument("--ways", default="pipeline,stacksets")
    args = parser.parse_args()
    print("| way | accounts | synth wall (s) | peak RSS (MB) | stacks | largest template |"
          " pipelines | CodePipeline stages | quotas |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    for way in args.ways.split(","):
        with tempfile.TemporaryDirectory() as scratch:
            if way == "pipeline":
                config = pipeline_config(args.accounts, args.waves_per_pipeline)
                row = synthesize(config, Path(scratch), {"pipeline": "true"})
            else:
                row = synthesize(stack_set_config(), Path(scratch), {})
        print(
            f"| {way} | {args.accounts:,} | {row['wall']:.0f} | {row['peak_mb']:.0f} |"
            f" {row['stacks']} | {row['largest']} | {row['pipelines']} | {row['stages']} |"
            f" {row['quotas']} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
