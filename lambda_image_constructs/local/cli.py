"""``lambda-images``: build the images of a synthesized app and invoke its functions locally.

    lambda-images build [--assembly cdk.out]
    lambda-images invoke <construct path | logical ID | function name> --event event.json
    lambda-images graph [--format markdown|mermaid|json] [--output FILE]

What the template says is what runs: the function's ImageConfig and Environment, its memory
size, /tmp size and timeout, on a read-only root file system as an unprivileged user without
capabilities, in a network namespace of its own.

Bad input is one line on standard error and exit status 2; a stop signal (Ctrl-C, SIGTERM,
SIGHUP, SIGQUIT) removes the container first and exits with 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from types import FrameType

from . import usage
from .assembly import AssemblyError, find_function, read_json
from .engine import EngineUnavailable, detect_engine
from .runtime import (
    CATCHABLE_STOPS,
    Interrupted,
    LocalRunError,
    build_images,
    invoke,
    remove_leftovers,
)

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
    graph = commands.add_parser(
        "graph", help="who can pull what: accounts, Regions, repositories, images, functions"
    )
    graph.add_argument(
        "--format",
        choices=["markdown", "mermaid", "json"],
        default="markdown",
        help="markdown (a Mermaid block GitHub and GitLab render; default), mermaid or json",
    )
    graph.add_argument("--output", type=Path, help="write to this file (default: stdout)")
    run = commands.add_parser("invoke", help="run one function's image and send it an event")
    run.add_argument("function", help="construct path, logical ID or function name")
    run.add_argument("--event", type=Path, required=True, help="a JSON file")
    return parser


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


def _run(args: argparse.Namespace) -> int:
    # Absolute from here on: the engine is told these paths, and Podman reads a relative path
    # in a --volume as the name of a volume.
    assembly, state = args.assembly.absolute(), args.state.absolute()
    if args.command == "graph":
        from ..graph import read_graph, to_markdown, to_mermaid

        drawn = read_graph(assembly)
        text = (
            drawn.to_json()
            if args.format == "json"
            else to_mermaid(drawn)
            if args.format == "mermaid"
            else to_markdown(drawn)
        )
        if args.output is None:
            print(text, end="")
        else:
            try:
                args.output.write_text(text)
            except OSError as failure:
                raise LocalRunError(
                    f"--output {args.output} cannot be written: {failure}"
                ) from None
        return 0
    if args.command == "invoke":
        # Check what can be checked without an engine first.
        function = find_function(assembly, args.function)
        event = read_json(args.event.absolute(), "--event", LocalRunError)
        engine = detect_engine(state, args.engine)
        remove_leftovers(engine)
        result = invoke(engine, function, event, cache=state / "emulator")
        print(json.dumps(result.payload, indent=2))
        return 1 if result.function_error else 0
    engine = detect_engine(state, args.engine)
    remove_leftovers(engine)
    for built in build_images(engine, assembly, force=args.force):
        print(
            f"built {built.asset.local_image} for {built.asset.platform}"
            f" from {built.asset.directory} in {built.seconds:.1f} s"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        argv = usage.checked_argv(sys.argv[1:] if argv is None else argv)
    except usage.UsageError as error:
        print(f"lambda-images: {error}", file=sys.stderr)
        return 2
    args = _parser().parse_args(argv)
    # Every stop signal becomes an exception, so that the container of a run is removed on the
    # way out; SIGKILL cannot be caught: its leftovers are removed at the next start.
    previous = {s: signal.signal(s, _raise_interrupted) for s in CATCHABLE_STOPS[1:]}
    try:
        usage.check_input_files(args)
        return _run(args)
    except (AssemblyError, EngineUnavailable, LocalRunError, usage.UsageError) as error:
        print(f"lambda-images: {error}", file=sys.stderr)
        return 2
    except usage.UNFORESEEN as error:  # bad input no command foresaw: still one line
        print(f"lambda-images: {usage.describe(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lambda-images: interrupted (SIGINT); nothing left running", file=sys.stderr)
        return 128 + signal.SIGINT
    except Interrupted as stop:
        print(f"lambda-images: stopped by {stop}; nothing left running", file=sys.stderr)
        return 128 + stop.signum
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
