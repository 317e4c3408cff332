"""Where a pipeline template's bytes per consumer account go.

For each consumer account ID found in the template, the bytes (as the template is written,
indented) of every part that names it: the pipeline's actions, and each list item of a policy
(the artifact key's, the artifact bucket's, the IAM policies') that holds its deploy role's
ARN. Prints a Markdown table of the median account's bytes by place. Asserts nothing.

    .venv/bin/python benchmarks/pipeline_bytes.py cdk.out/LambdaImagePipeline.template.json
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ACCOUNT = re.compile(r"2[0-9]{11}")  # stacks.generate numbers consumer accounts 2000000000xx


def _bytes(value: Any) -> int:
    return len(json.dumps(value, indent=1))


def _items(value: Any) -> list[Any]:
    """The smallest lists' items below ``value``: where one account's entries sit."""
    found: list[Any] = []
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("Fn::"):
        return []  # an intrinsic is one entry (an ARN's Fn::Join)
    if isinstance(value, dict):
        for item in value.values():
            found.extend(_items(item))
    elif isinstance(value, list):
        for item in value:
            nested = _items(item)
            found.extend(nested if nested else [item])
    return found


def per_account(template: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Bytes by account, then by place."""
    result: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for resource in template["Resources"].values():
        kind = resource["Type"]
        if kind == "AWS::CodePipeline::Pipeline":
            for stage in resource["Properties"]["Stages"]:
                for action in stage["Actions"]:
                    for account in set(ACCOUNT.findall(json.dumps(action))):
                        result[account]["pipeline actions"] += _bytes(action)
            continue
        for item in _items(resource.get("Properties", {})):
            for account in set(ACCOUNT.findall(json.dumps(item))):
                result[account][kind] += _bytes(item) + 2  # its indent and comma
    return result


def main() -> int:
    path = Path(sys.argv[1])
    template = json.loads(path.read_text())
    accounts = per_account(template)
    places = sorted({p for found in accounts.values() for p in found})
    print(f"{path.name}: {path.stat().st_size:,} bytes, {len(accounts)} consumer accounts")
    print("| place | bytes per account (median) |")
    print("| --- | --- |")
    for place in places:
        print(f"| {place} | {statistics.median(a.get(place, 0) for a in accounts.values()):,.0f} |")
    total = statistics.median(sum(a.values()) for a in accounts.values())
    print(f"| all | {total:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
