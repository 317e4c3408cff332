"""``lambda-images``: build the images of a synthesized app and invoke its functions locally.

    lambda-images init [DIR]
    lambda-images build [--assembly cdk.out] [--base-image-archive FILE ...]
    lambda-images invoke <construct ID or path | logical ID | function name> --event event.json
    lambda-images graph [--format markdown|mermaid|json] [--output FILE]
    lambda-images can-pull ASSEMBLY REPOSITORY --principal P [--organization-id O]

What the template says is what runs: the function's ImageConfig and Environment, its memory
size, /tmp size and timeout, on a read-only root file system as an unprivileged user without
capabilities, in a network namespace of its own.

The engine's storage is kept outside the app folder (``--state``, default: see
:mod:`lambda_image_constructs.local.state`). Base images are never pulled by Podman: supply them
from an image archive (``docker save`` / ``podman save``) with ``--base-image-archive``.

Bad input is one line on standard error and exit status 2; a stop signal (Ctrl-C, SIGTERM,
SIGHUP, SIGQUIT) removes the container first and exits with 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from ..new_app import InitError, create
from . import usage
from .assembly import AssemblyError, find_function, read_json
from .engine import Engine, EngineUnavailable, detect_engine
from .runtime import (
    CATCHABLE_STOPS,
    Interrupted,
    LocalRunError,
    build_images,
    image_size,
    invoke,
    remove_leftovers,
    stop_on_signal,
)
from .state import state_folder


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
        help="Podman storage and caches (default: $LAMBDA_IMAGES_STATE, else"
        " $XDG_CACHE_HOME/lambda-image-constructs/containers, else ~/.cache/...)",
    )
    parser.add_argument(
        "--engine",
        choices=["docker", "podman"],
        help="default: docker if its daemon answers, else podman",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="write a new platform app that synthesizes at once")
    init.add_argument(
        "directory", nargs="?", type=Path, default=Path("."), help="new or empty (default: .)"
    )
    build = commands.add_parser("build", help="build every image asset of the assembly")
    build.add_argument(
        "--base-image-archive",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="load base images from this docker/OCI archive first (repeatable; for offline use)",
    )
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
    graph.add_argument(
        "--organization-id",
        help="the AWS Organization the assembly's accounts belong to ('none': none)",
    )
    pull = commands.add_parser(
        "can-pull",
        help="whether a principal can pull from a repository; exit 0 yes, 1 no, 2 cannot tell",
    )
    pull.add_argument("pull_assembly", metavar="ASSEMBLY", type=Path, help="e.g. cdk.out")
    pull.add_argument("repository", help="the repository's ARN, or its name when unambiguous")
    pull.add_argument(
        "--principal",
        required=True,
        help="an account ID, a role or user ARN (a direct pull) or a function ARN (Lambda"
        " pulling for that function)",
    )
    pull.add_argument(
        "--organization-id",
        help="the AWS Organization of the principal's account ('none': none); needed only"
        " when a statement's condition asks for it",
    )
    run = commands.add_parser("invoke", help="run one function's image and send it an event")
    run.add_argument(
        "function", help="construct ID or path, logical ID or function name (when unambiguous)"
    )
    run.add_argument("--event", type=Path, required=True, help="a JSON file")
    return parser


def _organization(args: argparse.Namespace) -> str | None:
    given: str | None = args.organization_id
    return "" if given is not None and given.lower() == "none" else given


def _run(args: argparse.Namespace) -> int:
    if args.command == "init":
        written = create(args.directory)
        print(f"wrote a new app in {args.directory}: {', '.join(written)}")
        print(f"next: cd {args.directory} && cdk synth")
        return 0
    if args.command == "can-pull":
        from ..access.report import run_can_pull

        status, report = run_can_pull(
            args.pull_assembly, args.repository, args.principal, _organization(args)
        )
        print(report, end="")
        return status
    # Absolute from here on: the engine is told these paths, and Podman reads a relative path
    # in a --volume as the name of a volume.
    assembly = args.assembly.absolute()
    state = (args.state or state_folder()).absolute()
    if args.command == "graph":
        from ..graph import read_graph, to_markdown, to_mermaid

        drawn = read_graph(assembly, organization_id=_organization(args))
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
        if result.report is not None:  # on standard error, as Lambda writes it to the log
            print(result.report.line(), file=sys.stderr)
        return 1 if result.function_error else 0
    engine = detect_engine(state, args.engine)
    remove_leftovers(engine)
    load_base_images(engine, args.base_image_archive)
    for built in build_images(engine, assembly, force=args.force):
        print(
            f"built {built.asset.local_image} for {built.asset.platform}"
            f" from {built.asset.directory} in {built.seconds:.1f} s"
        )
        print(f"  size {image_size(engine, built.asset.local_image).summary()}")
    return 0


def load_base_images(engine: Engine, archives: list[Path]) -> None:
    """Load each image archive (``docker save`` or ``podman save``, docker or OCI format) into
    the engine, so that a build finds its base image without a registry."""
    for archive in archives:
        if not archive.is_file():
            raise LocalRunError(f"--base-image-archive {archive} is not a file")
        loaded = engine.run(["load", "--input", str(archive.absolute())], check=False)
        if loaded.returncode != 0:
            reason = (loaded.stderr or loaded.stdout).strip()[-500:]
            raise LocalRunError(f"--base-image-archive {archive} cannot be loaded: {reason}")
        print(f"loaded {archive}: {loaded.stdout.strip()}")


def main(argv: list[str] | None = None) -> int:
    try:
        argv = usage.checked_argv(sys.argv[1:] if argv is None else argv)
    except usage.UsageError as error:
        print(f"lambda-images: {error}", file=sys.stderr)
        return 2
    args = _parser().parse_args(argv)
    # Every stop signal becomes an exception, so that the container of a run is removed on the
    # way out; SIGKILL cannot be caught: its leftovers are removed at the next start.
    previous = {s: signal.signal(s, stop_on_signal) for s in CATCHABLE_STOPS}
    try:
        usage.check_input_files(args)
        return _run(args)
    except (AssemblyError, EngineUnavailable, InitError, LocalRunError, usage.UsageError) as error:
        print(f"lambda-images: {error}", file=sys.stderr)
        return 2
    except usage.UNFORESEEN as error:  # bad input no command foresaw: still one line
        print(f"lambda-images: {usage.describe(error)}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        said = "interrupted (SIGINT)" if stop.signum == signal.SIGINT else f"stopped by {stop}"
        print(f"lambda-images: {said}; nothing left running", file=sys.stderr)
        return 128 + stop.signum
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
