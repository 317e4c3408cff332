"""``lambda-images``: build the images of a synthesized app and invoke its functions locally.

    lambda-images build [--assembly cdk.out]
    lambda-images invoke <construct path | logical ID | function name> --event event.json

What the template says is what runs: the function's ImageConfig and Environment, its memory
size, /tmp size and timeout, on a read-only root file system as an unprivileged user.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .assembly import AssemblyError, find_function
from .engine import EngineUnavailable, detect_engine
from .runtime import LocalRunError, build_images, invoke

DEFAULT_STATE = Path("build/containers")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lambda-images", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--assembly",
        type=Path,
        default=Path("cdk.out"),
        help="the synthesized cloud assembly (default: cdk.out)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=DEFAULT_STATE,
        help="Podman storage and caches (default: build/containers)",
    )
    parser.add_argument(
        "--engine",
        choices=["docker", "podman"],
        help="default: docker if its daemon answers, else podman",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build every image asset of the assembly")
    build.add_argument(
        "--force",
        action="store_true",
        help="build even images whose content-hash tag exists already",
    )
    run = commands.add_parser("invoke", help="run one function's image and send it an event")
    run.add_argument("function", help="construct path, logical ID or function name")
    run.add_argument("--event", type=Path, required=True, help="a JSON file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "invoke":
            # Check what can be checked without an engine first.
            function = find_function(args.assembly, args.function)
            try:
                event = json.loads(args.event.read_text())
            except (OSError, json.JSONDecodeError) as error:
                raise LocalRunError(f"--event {args.event} is not a JSON file: {error}") from error
            engine = detect_engine(args.state, args.engine)
            result = invoke(engine, function, event, cache=args.state / "emulator")
            print(json.dumps(result.payload, indent=2))
            return 1 if result.function_error else 0
        engine = detect_engine(args.state, args.engine)
        for built in build_images(engine, args.assembly):
            print(
                f"built {built.asset.local_image} for {built.asset.platform}"
                f" from {built.asset.directory} in {built.seconds:.1f} s"
            )
        return 0
    except (AssemblyError, EngineUnavailable, LocalRunError) as error:
        print(f"lambda-images: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
