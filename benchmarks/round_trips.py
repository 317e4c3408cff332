"""Where the library's synth time goes: every jsii round trip of one synthesis of a generated
organisation, counted and timed by kind (create, get, invoke, callback, ...) and by phase
(building the constructs, then ``app.synth()``), with an optional profile of the Python side.
Prints Markdown; asserts nothing. ``--way`` counts one of the other Python apps of the
benchmark instead (``l2``: benchmarks/l2_app.py, ``python``: raw_app.py, ``floor``:
floor_app.py).

    python benchmarks/round_trips.py [--size 2x50] [--way library] [--nag] [--top 25]
                                     [--profile 20] [--rollout]

Each round trip is one message to the Node process jsii starts and one answer: about 0.15 ms
for the smallest on 2 cores, more for a construct, so their number is most of what a Python CDK
app pays over the same app in JavaScript. ``--rollout``: every function on alias live with a
canary deployment, as in benchmarks/rollout_scale.py.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import importlib
import io
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OTHER_WAYS = {"l2": "l2_app", "python": "raw_app", "floor": "floor_app"}  # --way: module


Key = tuple[str, str, str]  # (phase, kind, what)


def count_round_trips() -> tuple[
    collections.Counter[Key], dict[str, str], collections.defaultdict[Key, float]
]:
    """Counts every message Python sends to Node from now on, keyed by (phase, kind, what),
    and adds up the seconds each kind took less the round trips made inside it (callbacks
    into Python and what they send): mostly Node's work and the pipe, and the Python of any
    callback it made."""
    from jsii._kernel.providers import process

    counts: collections.Counter[Key] = collections.Counter()
    seconds: collections.defaultdict[Key, float] = collections.defaultdict(float)
    phase = {"now": "construct"}
    inside: list[float] = []  # per round trip in progress: the seconds of those inside it
    original = process._NodeProcess.send

    def counted(self: Any, request: Any, response_type: Any) -> Any:
        what = (
            getattr(request, "fqn", None)
            or getattr(request, "method", None)
            or getattr(request, "property", None)
            or ""
        )
        key = (phase["now"], type(request).__name__.removesuffix("Request"), what)
        counts[key] += 1
        inside.append(0.0)
        started = time.perf_counter()
        try:
            return original(self, request, response_type)
        finally:
            took = time.perf_counter() - started
            seconds[key] += took - inside.pop()
            if inside:
                inside[-1] += took

    process._NodeProcess.send = counted  # type: ignore[method-assign]
    return counts, phase, seconds


class Tally:
    """What a benchmark run was asked to count besides its times: its jsii round trips
    (``--count-jsii``), while building the constructs and in all, and its constructs
    (``--count-constructs``, with ``app.node.find_all()`` once the app is synthesized). Made
    after the imports, so aws-cdk-lib's loading is not counted."""

    def __init__(self, argv: list[str]) -> None:
        self.constructs = "--count-constructs" in argv
        self.counts, self.phase, _ = (
            count_round_trips() if "--count-jsii" in argv else (None, None, None)
        )

    def built(self) -> None:
        """The constructs are built: from now on round trips count as the synth's."""
        if self.phase is not None:
            self.phase["now"] = "synth"

    def figures(self, app: Any) -> dict[str, int | None]:
        """The counts asked for (None for those not asked for), as the run's JSON line has them."""
        counts = self.counts
        found: dict[str, int | None] = {
            "jsii_calls_construct": None if counts is None else sum(
                n for key, n in counts.items() if key[0] == "construct"),
            "jsii_calls_total": None if counts is None else sum(counts.values()),
        }  # fmt: skip
        found["constructs"] = len(app.node.find_all()) if self.constructs else None
        return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="2x50", help="consumer accounts x functions each")
    parser.add_argument(
        "--way", choices=["library", *OTHER_WAYS], default="library", help="which app"
    )
    parser.add_argument("--nag", action="store_true", help="with the cdk-nag packs (library)")
    parser.add_argument("--top", type=int, default=25, help="kinds listed per phase")
    parser.add_argument("--profile", type=int, default=0, help="Python profile lines to print")
    parser.add_argument(
        "--rollout", action="store_true", help="every function on alias live with a canary"
    )
    args = parser.parse_args()
    accounts, functions = (int(n) for n in args.size.split("x"))
    counts, phase, seconds = count_round_trips()

    from aws_cdk import App

    import app as application
    from stacks.generate import org_config

    if not args.nag:
        application.register_compliance_packs = lambda app: None  # type: ignore[assignment]
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    profile = cProfile.Profile()
    if args.rollout:
        from rollout_scale import rollout_config

        generated = rollout_config(accounts, functions)
    else:
        generated = org_config(accounts, functions)
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "org.json"
        config.write_text(json.dumps(generated))
        outdir = str(Path(scratch) / "out")
        if args.way == "library":
            app = App(outdir=outdir, context={**context, "config": str(config)})
            build = application.build_app
        else:
            import raw_app

            module = importlib.import_module(OTHER_WAYS[args.way])
            app = App(outdir=outdir, context=raw_app.plain_context())
            build = functools.partial(module.build, config=generated)
        profile.enable()
        build(app)
        profile.disable()
        phase["now"] = "synth"
        app.synth()

    total = accounts * functions
    print(f"{args.size} ({total} functions), {args.way}{', rollouts' if args.rollout else ''},"
          f" cdk-nag {'on' if args.nag else 'off'}")  # fmt: skip
    for name in ("construct", "synth"):
        in_phase = {k: v for k, v in counts.items() if k[0] == name}
        all_trips = sum(in_phase.values())
        waited = sum(seconds[k] for k in in_phase)
        print()
        print(f"{name} phase: {all_trips:,} round trips, {all_trips / total:.1f} per function,"
              f" {1000 * waited / total:.1f} ms per function in them")  # fmt: skip
        print()
        print("| what | kind | count | per function | ms per function |")
        print("| --- | --- | --- | --- | --- |")
        for key, number in collections.Counter(in_phase).most_common(args.top):
            _, kind, what = key
            print(f"| {what or '(none)'} | {kind} | {number:,} | {number / total:.2f} |"
                  f" {1000 * seconds[key] / total:.2f} |")  # fmt: skip
    if args.profile:
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("tottime").print_stats(args.profile)
        print()
        print("Python profile of the construct phase (tottime):")
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
