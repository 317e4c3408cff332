"""Configuration: every kind of error named by source and key path, all at once (pure Python)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from lambda_image_constructs import LambdaImageValidationError
from lambda_image_constructs.org import config as config_module
from lambda_image_constructs.org.config import (
    CONTEXT_KEY,
    json_schema,
    load_from_context,
    parse_config,
)
from stacks.generate import org_config

from .cdk_harness import PROJECT_ROOT, cdk_json_context


def default_document() -> dict[str, Any]:
    return copy.deepcopy(dict(cdk_json_context()[CONTEXT_KEY]))


def problems_of(document: Any) -> dict[str, str]:
    with pytest.raises(LambdaImageValidationError) as raised:
        parse_config(document, "org.yaml")
    assert str(raised.value).startswith("configuration org.yaml: ")
    return {p.field: str(p) for p in raised.value.problems}


def test_default_configuration_is_valid() -> None:
    config = parse_config(default_document(), "cdk.json")
    assert config.image_account.account == "111111111111"
    assert [c.name for c in config.consumer_accounts] == ["workload-a", "workload-b", "workload-c"]
    assert sum(len(c.functions) for c in config.consumer_accounts) == 4
    assert config.consumer_accounts[2].region == "eu-west-1"  # the repository's second Region
    assert [n for n, _ in config.waves()] == [1, 2]


def test_unknown_keys_are_named_with_their_path() -> None:
    document = default_document()
    document["imageAcount"] = {}
    document["consumerAccounts"][0]["functions"][1]["memory"] = 512
    problems = problems_of(document)
    assert "imageAcount" in problems and "is not a known key" in problems["imageAcount"]
    assert "consumerAccounts[0].functions[1].memory" in problems


def test_missing_fields_are_named() -> None:
    document = default_document()
    del document["images"][0]["architecture"]
    del document["consumerAccounts"][1]["account"]
    problems = problems_of(document)
    assert problems["images[0].architecture"].endswith("is required, got None")
    assert "consumerAccounts[1].account" in problems


def test_bad_account_ids_and_regions() -> None:
    document = default_document()
    document["imageAccount"]["account"] = "1111"
    document["consumerAccounts"][0]["region"] = "mars-1"
    document["consumerAccounts"][1]["region"] = "ap-south-1"  # no copy of its image there
    problems = problems_of(document)
    assert "12-digit AWS account ID" in problems["imageAccount.account"]
    assert "must be an AWS Region" in problems["consumerAccounts[0].region"]
    assert (
        "Lambda only pulls images from ECR in its own Region"
        in problems["consumerAccounts[1].region"]
    )


def test_function_naming_an_unknown_image() -> None:
    document = default_document()
    document["consumerAccounts"][1]["functions"][0]["image"] = "nope"
    problems = problems_of(document)
    assert (
        "must name one of images: ['python-service']"
        in problems["consumerAccounts[1].functions[0].image"]
    )


def test_function_account_that_is_not_a_consumer_of_the_repository() -> None:
    document = default_document()
    document["repositories"][0]["consumers"] = ["workload-a"]
    problems = problems_of(document)
    message = problems["consumerAccounts[1].functions[0].image"]
    assert "does not list consumer account 'workload-b' (333333333333)" in message


def test_organization_wide_repository_needs_no_consumer_list() -> None:
    document = default_document()
    document["repositories"][0]["consumers"] = []
    document["repositories"][0]["organizationId"] = "o-abcdef1234"
    assert parse_config(document, "org.yaml").repositories[0].organization_id == "o-abcdef1234"


def test_function_limits_are_checked_under_their_configuration_keys() -> None:
    document = default_document()
    function = document["consumerAccounts"][0]["functions"][0]
    function.update(
        {
            "memorySize": 20_000,
            "workingDirectory": "relative",
            "entrypoint": ["python3"],
            "environment": {"AWS_REGION": "x"},
        }
    )
    problems = problems_of(document)
    prefix = "consumerAccounts[0].functions[0]"
    assert "between 128 and 10,240 MB" in problems[f"{prefix}.memorySize"]
    assert "absolute path" in problems[f"{prefix}.workingDirectory"]
    assert "absolute path" in problems[f"{prefix}.entrypoint[0]"]
    assert "reserved" in problems[f"{prefix}.environment['AWS_REGION']"]


def test_duplicates_and_dangling_references() -> None:
    document = default_document()
    document["consumerAccounts"][1]["name"] = "workload-a"
    document["repositories"][0]["consumers"].append("ghost")
    document["images"][0]["repository"] = "other/repo"
    problems = problems_of(document)
    assert "unique consumer account name" in problems["consumerAccounts[1].name"]
    assert "must name one of consumerAccounts" in problems["repositories[0].consumers[3]"]
    assert "must name one of repositories" in problems["images[0].repository"]


def test_pipeline_must_live_in_the_image_account() -> None:
    document = default_document()
    document["pipeline"]["account"] = "444444444444"
    problems = problems_of(document)
    assert "exist before the pipeline publishes images" in problems["pipeline.account"]


def test_every_problem_is_reported_at_once() -> None:
    document = default_document()
    document["imageAccount"]["account"] = "x"
    document["images"][0]["architecture"] = "x86_64,arm64"
    document["consumerAccounts"][0]["wave"] = 0
    assert len(problems_of(document)) == 3


VALID_YAML = (
    "imageAccount: {account: '111111111111', region: us-east-1}\n"
    "repositories: [{name: platform/lambda-images, consumers: [a]}]\n"
    "images: [{name: svc, repository: platform/lambda-images,"
    " directory: samples/debian-ric, architecture: x86_64}]\n"
    "consumerAccounts:\n"
    "  - name: a\n    account: '222222222222'\n"
    "    functions:\n"
    "      - &fn {name: fn, image: svc, command: &cmd [app.handler]}\n"
    "      - {name: fn2, image: svc, command: *cmd}\n"
)


def test_yaml_file_given_with_context(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(VALID_YAML)
    config = load_from_context({"config": str(path)}.get)
    assert config.source == str(path)
    assert config.consumer_accounts[0].functions[0].command == ("app.handler",)


def test_unreadable_configuration_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(LambdaImageValidationError, match="must be a readable YAML or JSON file"):
        load_from_context({"config": str(path)}.get)


def test_errors_in_a_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    document = default_document()
    document["imageAccount"]["region"] = "nowhere"
    path.write_text(json.dumps(document))
    with pytest.raises(LambdaImageValidationError) as raised:
        load_from_context({"config": str(path)}.get)
    assert str(raised.value).startswith(f"configuration {path}: 1 invalid input")
    assert raised.value.problems[0].field == "imageAccount.region"


def test_generated_configuration_is_valid_at_scale() -> None:
    config = parse_config(org_config(consumer_accounts=40, functions_per_account=50), "generated")
    assert len(config.consumer_accounts) == 40
    assert sum(len(c.functions) for c in config.consumer_accounts) == 2_000
    assert [n for n, _ in config.waves()] == [1, 2, 3, 4]


def test_a_file_name_that_is_not_a_string_is_refused() -> None:
    document = default_document()
    document["images"][0]["file"] = 5
    assert problems_of(document)["images[0].file"] == "images[0].file must be a string, got 5"


def test_an_empty_branch_is_refused() -> None:
    document = default_document()
    document["pipeline"]["branch"] = ""
    assert "must be the name of a branch" in problems_of(document)["pipeline.branch"]


def test_account_ids_in_other_scripts_digits_are_refused() -> None:
    document = default_document()
    document["imageAccount"]["account"] = "\u0661" * 12  # Arabic-Indic digit one: \d matches it
    assert "12-digit AWS account ID" in problems_of(document)["imageAccount.account"]


def test_structural_and_cross_reference_problems_come_together() -> None:
    document = default_document()
    document["images"][0]["file"] = 5
    document["consumerAccounts"][1]["functions"][0]["image"] = "nope"
    assert set(problems_of(document)) == {
        "images[0].file",
        "consumerAccounts[1].functions[0].image",
    }


def test_long_values_are_cut_in_the_message() -> None:
    document = default_document()
    document["consumerAccounts"][0]["functions"][0]["memorySize"] = "9" * 10_000
    message = problems_of(document)["consumerAccounts[0].functions[0].memorySize"]
    assert message.startswith("consumerAccounts[0].functions[0].memorySize must be a whole number")
    assert "..." in message and len(message) < 200


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_key_given_twice_in_yaml_is_refused(tmp_path: Path) -> None:
    # YAML itself keeps the last value and drops the first without a word.
    text = VALID_YAML.replace("images:", "imageAccount: {account: '999999999999'}\nimages:")
    path = write(tmp_path, "org.yaml", text)
    with pytest.raises(LambdaImageValidationError) as raised:
        load_from_context({"config": path}.get)
    (problem,) = raised.value.problems
    assert problem.field == "imageAccount (line 3)"
    assert "given twice" in problem.accepted


def test_a_key_given_twice_in_json_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "org.json", '{"imageAccount": {}, "imageAccount": {}}')
    with pytest.raises(LambdaImageValidationError, match="'imageAccount' is given twice"):
        load_from_context({"config": path}.get)


def test_yaml_aliases_within_the_limit_are_read(tmp_path: Path) -> None:
    config = load_from_context({"config": write(tmp_path, "org.yaml", VALID_YAML)}.get)
    assert [f.command for f in config.consumer_accounts[0].functions] == [("app.handler",)] * 2


def test_yaml_aliases_that_expand_past_the_limit_are_refused(tmp_path: Path) -> None:
    # Nine anchors of nine aliases each: 1.3 KB that expands to 9**9 (387 million) values.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        aliases = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    path = write(tmp_path, "laughs.yaml", "\n".join(lines) + "\n")
    with pytest.raises(LambdaImageValidationError) as raised:
        load_from_context({"config": path}.get)
    (problem,) = raised.value.problems
    assert problem.field == "(YAML aliases)"
    assert "at most 100,000 values" in problem.accepted


def test_only_what_aliases_add_counts_against_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config_module.documents, "MAX_YAML_ALIAS_EXPANSION", 50)
    # A document of far more than 50 values, written out in full: read.
    written = yaml.safe_dump(org_config(consumer_accounts=3, functions_per_account=20))
    assert len(load_from_context({"config": write(tmp_path, "big.yaml", written)}.get).images) == 1
    # 5 aliases of a 12-value list add 60 values: refused.
    aliased = "base: &b [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\ncopies: [*b, *b, *b, *b, *b]\n"
    with pytest.raises(LambdaImageValidationError, match=r"\(YAML aliases\)"):
        load_from_context({"config": write(tmp_path, "aliased.yaml", aliased)}.get)


def test_a_document_nested_too_deep_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.yaml", "a: " + "[" * 1_500 + "]" * 1_500 + "\n")
    with pytest.raises(LambdaImageValidationError, match="must be a readable YAML or JSON file"):
        load_from_context({"config": path}.get)


def test_the_committed_json_schema_is_the_models() -> None:
    # After changing the models: python scripts/write_config_schema.py
    committed = json.loads((PROJECT_ROOT / "schema" / "org-config.schema.json").read_text())
    assert committed == json_schema()


def test_the_json_schema_names_every_key_and_refuses_unknown_ones() -> None:
    schema = json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"imageAccount", "repositories", "images", "consumerAccounts"}
    function = schema["$defs"]["FunctionSpec"]
    assert "timeoutSeconds" in function["properties"]
    assert function["properties"]["memorySize"]["anyOf"][0] == {
        "maximum": 10_240,
        "minimum": 128,
        "type": "integer",
    }


def test_the_docs_show_the_default_configuration_as_cdk_json_holds_it() -> None:
    readme = (PROJECT_ROOT / "docs" / "configuration.md").read_text()
    start = readme.index("```yaml", readme.index("## The example app of this repository"))
    block = readme[start + len("```yaml") : readme.index("```", start + len("```yaml"))]
    assert yaml.safe_load(block) == default_document()
