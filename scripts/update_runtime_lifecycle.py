"""Copy Lambda's runtime lifecycle dates from cfn-lint (pinned in requirements-validators.txt)
into the package, where LambdaImage's DeprecatedBase check reads them.

    .venv-validators/bin/python scripts/update_runtime_lifecycle.py

tests/test_dockerfile_checks.py fails when the two differ, so an update of cfn-lint brings
the new dates with it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "lambda_image_constructs" / "data"
KEPT = ("deprecated", "create-block", "successor")


def cfn_lint_lifecycle() -> dict[str, dict[str, str | None]]:
    import cfnlint  # only in the validators' environment

    source = Path(cfnlint.__file__).parent / "data/AdditionalSpecs/LmbdRuntimeLifecycle.json"
    data = json.loads(source.read_text())
    return {runtime: {k: dates.get(k) for k in KEPT} for runtime, dates in sorted(data.items())}


def main() -> int:
    TARGET.mkdir(exist_ok=True)
    text = json.dumps(cfn_lint_lifecycle(), indent=1, sort_keys=True) + "\n"
    (TARGET / "runtime_lifecycle.json").write_text(text)
    return 0


if __name__ == "__main__":
    if "--print" in sys.argv:
        print(json.dumps(cfn_lint_lifecycle(), sort_keys=True))
        sys.exit(0)
    sys.exit(main())
