"""One synthesis of a generated organisation with this library; prints one JSON line.

    python benchmarks/synth_once.py <accounts> <functions each> [--nag] [--count-jsii]
                                    [--count-constructs] [--outdir DIR] [--config FILE]

``--config`` synthesizes that configuration file (JSON) instead of the generated one (the
sizes are then only reported), for the rollout and org-scale benchmarks.

Run by benchmarks/synth_scale.py in a fresh process per measurement (jsii starts one Node
process per Python process, which is part of what is measured).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from round_trips import Tally  # noqa: E402


def main() -> int:
    accounts, functions = int(sys.argv[1]), int(sys.argv[2])
    nag = "--nag" in sys.argv
    started = time.monotonic()
    from aws_cdk import App

    import app as application
    from stacks.generate import org_config

    tally = Tally(sys.argv)
    if not nag:
        application.register_compliance_packs = lambda app: None  # type: ignore[assignment]
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    kept = sys.argv[sys.argv.index("--outdir") + 1] if "--outdir" in sys.argv else None
    with tempfile.TemporaryDirectory() as scratch:
        if "--config" in sys.argv:
            config = Path(sys.argv[sys.argv.index("--config") + 1])
        else:
            config = Path(scratch) / "org.json"
            config.write_text(json.dumps(org_config(accounts, functions)))
        imported = time.monotonic()
        outdir = kept or str(Path(scratch) / "out")
        app = App(outdir=outdir, context={**context, "config": str(config)})
        application.build_app(app)
        built = time.monotonic()
        tally.built()
        app.synth()
        done = time.monotonic()
        counted = tally.figures(app)
    print(json.dumps({
        "accounts": accounts, "functions": accounts * functions, "nag": nag,
        "import_s": imported - started, "construct_s": built - imported,
        "synth_s": done - built, "total_s": done - started, **counted,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
