"""Benchmark of lambda-images on this machine: the Debian sample's cold build (no layer cache),
an unchanged rebuild, invoke latency, and cold start against warm invoke as Lambda's REPORT
line gives them; then the same image with `sam local invoke` (cold) and `sam local
start-lambda` (warm), where SAM CLI is present. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/local_images.py [--invocations 5] [--sam PATH]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aws_cdk import App

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "benchmarks")]

from local_base_image import download_wheels, ensure_base_image  # noqa: E402
from sam_local import sam_figures  # noqa: E402

from app import build_app  # noqa: E402
from lambda_image_constructs.local.assembly import find_function, image_assets  # noqa: E402
from lambda_image_constructs.local.engine import detect_engine  # noqa: E402
from lambda_image_constructs.local.runtime import (  # noqa: E402
    build_images,
    host_architecture,
    image_size,
    invoke,
    invoke_repeatedly,
)

STATE = ROOT / "build" / "containers"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invocations", type=int, default=5)
    parser.add_argument("--sam", default=shutil.which("sam"), help="SAM CLI (default: on PATH)")
    args = parser.parse_args()
    engine = detect_engine(STATE)
    started = time.monotonic()
    base = ensure_base_image(engine, STATE)
    storage = engine.run(["info", "--format", "{{.Store.GraphDriverName}}"], check=False).stdout
    print(
        f"engine: {engine.name} ({storage.strip() or 'default'} storage);"
        f" base image ready in {time.monotonic() - started:.1f} s"
    )
    arch = host_architecture()
    platform_tag = {"x86_64": "x86_64", "arm64": "aarch64"}[arch]
    with tempfile.TemporaryDirectory() as scratch:
        context = Path(scratch) / "debian-ric"
        shutil.copytree(ROOT / "samples" / "debian-ric", context)
        download_wheels(context / "requirements.txt", context / "wheels", platform_tag=platform_tag)
        config = Path(scratch) / "config.json"
        config.write_text(json.dumps({
            "imageAccount": {"account": "111111111111", "region": "us-east-1"},
            "repositories": [{"name": "platform/lambda-images", "consumers": ["bench"]}],
            "images": [{"name": "debian", "repository": "platform/lambda-images",
                        "directory": str(context), "architecture": arch,
                        "buildArgs": {"BASE_IMAGE": base, "PIP_INSTALL_OPTIONS":
                                      "--no-index --find-links=/function/wheels"}}],
            "consumerAccounts": [{"name": "bench", "account": "222222222222", "functions": [
                {"name": "greeter", "image": "debian", "command": ["app.handler"]}]}],
        }))  # fmt: skip
        outdir = Path(scratch) / "cdk.out"
        context_json = json.loads((ROOT / "cdk.json").read_text())["context"]
        build_app(App(outdir=str(outdir), context={**context_json, "config": str(config)})).synth()
        [asset] = image_assets(outdir)
        engine.run(["rmi", "--force", asset.local_image], check=False)
        cold_arguments = asset.build_arguments()
        cold_arguments[1:1] = ["--no-cache"] + (["--pull=never"] if engine.name == "podman" else [])
        t0 = time.monotonic()
        engine.run(cold_arguments, check=True)
        cold_build = time.monotonic() - t0
        t0 = time.monotonic()
        [rebuilt] = build_images(engine, outdir)
        rebuild = time.monotonic() - t0
        t0 = time.monotonic()
        build_images(engine, outdir, force=True)
        cached_rebuild = time.monotonic() - t0
        function = find_function(outdir, "greeter")
        latencies, cold = [], []
        for _ in range(args.invocations):
            result = invoke(engine, function, {"name": "bench"}, cache=STATE / "emulator")
            assert result.payload["message"] == "Hello, bench!"
            latencies.append(result.seconds)
            cold.append(result)
        warm = invoke_repeatedly(
            engine,
            function,
            {"name": "bench"},
            cache=STATE / "emulator",
            times=args.invocations + 1,
        )[1:]
        size = image_size(engine, asset.local_image)
        sam = (
            sam_figures(engine, args.sam, context, asset, args.invocations, Path(scratch))
            if args.sam
            else None
        )
    print(f"cold build (no cache):   {cold_build:6.1f} s")
    print(f"unchanged rebuild:       {rebuild:6.1f} s  (content-hash tag exists: skipped)")
    print(f"forced rebuild, cached:  {cached_rebuild:6.1f} s  ({rebuilt.asset.local_image})")
    print(
        f"invoke, container start to response, {args.invocations} runs:"
        f" median {statistics.median(latencies):.2f} s, min {min(latencies):.2f} s,"
        f" max {max(latencies):.2f} s"
    )
    print(f"image size: {size.summary()}")
    print_report_figures("lambda-images invoke, cold (a new container each)", cold, "seconds")
    print_report_figures("lambda-images, warm (one container, after the first)", warm, "seconds")
    if sam is None:
        print("sam local invoke: SAM CLI not present here (pass --sam PATH): not compared")
    else:
        for line in sam:
            print(line)
    return 0


def print_report_figures(title: str, runs: list[Any], wall: str) -> None:
    """Median (min-max) of the REPORT fields and of the wall time of ``runs``."""

    def spread(values: list[float], unit: str) -> str:
        return (
            f"median {statistics.median(values):.1f} {unit} ({min(values):.1f}-{max(values):.1f})"
        )

    reports = [r.report for r in runs if r.report is not None]
    inits = [r.init_duration_ms for r in reports if r.init_duration_ms is not None]
    print(f"{title}, {len(runs)} runs:")
    print(f"  wall, request to response: {spread([getattr(r, wall) * 1000 for r in runs], 'ms')}")
    if inits:
        print(f"  REPORT Init Duration: {spread(inits, 'ms')}")
    if reports:
        print(f"  REPORT Duration: {spread([r.duration_ms for r in reports], 'ms')}")
        peaks = [r.max_memory_used_mb for r in reports if r.max_memory_used_mb is not None]
        if peaks:
            print(f"  REPORT Max Memory Used: {spread([float(p) for p in peaks], 'MB')}")


if __name__ == "__main__":
    sys.exit(main())
