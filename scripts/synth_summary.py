"""Print which stacks `cdk synth` wrote and where, from the cloud assembly manifest."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def stacks(root: Path) -> list[tuple[str, str, str]]:
    """(display name, account/Region, template path) of every stack, Stage assemblies included."""
    manifest = json.loads((root / "manifest.json").read_text())
    rows = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        props = artifact.get("properties", {})
        if artifact.get("type") == "cdk:cloud-assembly":
            rows.extend(stacks(root / props["directoryName"]))
        elif artifact.get("type") == "aws:cloudformation:stack":
            template = root / props.get("templateFile", "")
            env = artifact.get("environment", "").removeprefix("aws://")
            rows.append((artifact.get("displayName", name), env, str(template)))
    return rows


def main(outdir: str) -> int:
    root = Path(outdir)
    rows = stacks(root)
    if not rows:
        print(f"No stacks in {root}/", file=sys.stderr)
        return 1
    print(f"Synthesized {len(rows)} stack(s) into {root}/:")
    width = max(len(r[0]) for r in rows)
    env_width = max(len(r[1]) for r in rows)
    for display, env, template in rows:
        print(f"  {display:<{width}}  {env:<{env_width}}  {template}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "cdk.out"))
