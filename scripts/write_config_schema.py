"""Write the configuration's JSON Schema to schema/org-config.schema.json (after changing the
models in lambda_image_constructs/org/config/models.py; a test fails while the two differ)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lambda_image_constructs.org.config import json_schema  # noqa: E402

SCHEMA_FILE = ROOT / "schema" / "org-config.schema.json"


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text())
    print(f"wrote {SCHEMA_FILE.relative_to(ROOT)}")
