"""Benchmark of lambda-images on this machine: the Debian sample's cold build (no layer cache),
an unchanged rebuild, and invoke latency. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/local_images.py [--invocations 5]
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

from aws_cdk import App

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from local_base_image import download_wheels, ensure_base_image  # noqa: E402

from app import build_app  # noqa: E402
from lambda_image_constructs.local.assembly import find_function, image_assets  # noqa: E402
from lambda_image_constructs.local.engine import detect_engine  # noqa: E402
from lambda_image_constructs.local.runtime import build_images, host_architecture, invoke  # noqa: E402

STATE = ROOT / "build" / "containers"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invocations", type=int, default=5)
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
        latencies = []
        for _ in range(args.invocations):
            result = invoke(engine, function, {"name": "bench"}, cache=STATE / "emulator")
            assert result.payload["message"] == "Hello, bench!"
            latencies.append(result.seconds)
    print(f"cold build (no cache):   {cold_build:6.1f} s")
    print(f"unchanged rebuild:       {rebuild:6.1f} s  (content-hash tag exists: skipped)")
    print(f"forced rebuild, cached:  {cached_rebuild:6.1f} s  ({rebuilt.asset.local_image})")
    print(
        f"invoke, container start to response, {args.invocations} runs:"
        f" median {statistics.median(latencies):.2f} s, min {min(latencies):.2f} s,"
        f" max {max(latencies):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
