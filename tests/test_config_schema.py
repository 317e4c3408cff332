"""The published JSON Schema, read by a JSON Schema validator as an editor reads it: it accepts
the configurations the loader accepts and refuses what the loader refuses by shape."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.generate import org_config

from .cdk_harness import PROJECT_ROOT, cdk_json_context

SCHEMA = PROJECT_ROOT / "schema" / "org-config.schema.json"
TOOLS = Path(os.environ.get("LAMBDA_IMAGES_VALIDATORS", PROJECT_ROOT / ".venv-validators" / "bin"))
# jsonschema comes with the validators' environment (checkov's dependency), not the library's.
pytestmark = pytest.mark.skipif(
    not (TOOLS / "jsonschema").exists(),
    reason=f"jsonschema not installed in {TOOLS}; `make test` installs it (.venv-validators)",
)

CHECK = """
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
print(json.dumps([
    sorted(".".join(map(str, e.absolute_path)) for e in validator.iter_errors(document))
    for document in json.load(sys.stdin)
]))
"""


def schema_errors(*documents: Any) -> list[list[str]]:
    """For each document, the key paths the schema refuses."""
    result = subprocess.run(
        [str(TOOLS / "python"), "-c", CHECK, str(SCHEMA)],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_schema_accepts_the_configurations_the_loader_accepts() -> None:
    example = yaml.safe_load((PROJECT_ROOT / "docs" / "examples" / "org.yaml").read_text())
    default = cdk_json_context()["lambda-image-constructs"]
    assert schema_errors(example, default, org_config(3, 4)) == [[], [], []]


def test_the_schema_refuses_wrong_shapes_where_the_loader_does() -> None:
    document = copy.deepcopy(dict(cdk_json_context()["lambda-image-constructs"]))
    document["images"][0]["file"] = 5
    document["images"][0]["architecture"] = "arm65"
    document["consumerAccounts"][0]["account"] = "1111"
    document["consumerAccounts"][0]["functions"][0]["memorySize"] = 20_000
    document["pipeline"]["branch"] = ""
    document["imageAcount"] = {}
    (errors,) = schema_errors(document)
    assert errors == sorted(
        [
            "",  # imageAcount: no additional properties
            "images.0.file",
            "images.0.architecture",
            "consumerAccounts.0.account",
            "consumerAccounts.0.functions.0.memorySize",
            "pipeline",  # its branch: an optional section is "one of", refused as a whole
        ]
    )
