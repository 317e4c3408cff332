"""Side by side at one size: another checkout's library ("before", with its own .venv), this
one's ("after") and (b2), benchmarks/l2_app.py; each way once a round, so that what else the
machine runs weighs on all three alike. Prints one JSON line: the walls, medians and ratios.

    python benchmarks/paired.py <accounts>x<functions> <rounds> --before DIR [--rollout]

``--rollout``: every function on alias live with a canary, as in benchmarks/rollout_scale.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
import rollout_scale  # noqa: E402

from stacks.generate import org_config  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size")
    parser.add_argument("rounds", type=int)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rollout", action="store_true")
    args = parser.parse_args()
    accounts, functions = (int(n) for n in args.size.split("x"))
    env = {**os.environ, "PATH": f"{ROOT}/node_modules/.bin:{os.environ['PATH']}"}
    with tempfile.TemporaryDirectory() as scratch:
        config = (rollout_scale.rollout_config if args.rollout else org_config)(accounts, functions)
        written = Path(scratch) / "org.json"
        written.write_text(json.dumps(config))
        extra = ["--config", str(written)] if args.rollout else []
        size = [str(accounts), str(functions)]

        def library(checkout: Path, out: str) -> tuple[list[str], Path]:
            script = checkout / "benchmarks" / "synth_once.py"
            python = checkout / ".venv" / "bin" / "python"
            return [
                str(python),
                str(script),
                *size,
                "--outdir",
                f"{scratch}/{out}",
                *extra,
            ], checkout

        ways = {
            "before": library(args.before.resolve(), "before"),
            "after": library(ROOT, "after"),
            "b2": ([sys.executable, str(ROOT / "benchmarks" / "l2_app.py"), *size,
                    f"{scratch}/b2", *extra], ROOT),
        }  # fmt: skip
        walls: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, (command, cwd) in ways.items():
                started = time.monotonic()
                subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
                walls[name].append(time.monotonic() - started)
    medians = {name: statistics.median(w) for name, w in walls.items()}
    print(json.dumps({
        "size": args.size, "rollout": args.rollout, "walls": walls, "medians": medians,
        "before/b2": medians["before"] / medians["b2"],
        "after/b2": medians["after"] / medians["b2"],
        "rounds before/b2": [a / b for a, b in zip(walls["before"], walls["b2"], strict=True)],
        "rounds after/b2": [a / b for a, b in zip(walls["after"], walls["b2"], strict=True)],
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
