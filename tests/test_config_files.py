"""Configuration files: only regular files of bounded size are read, a byte-order mark and
YAML merge keys are accepted, alias expansion is bounded in characters too, and an account ID
YAML reads as a number is refused with what was written. Problems a construct finds in a part
of the configuration are told as problems of that part's keys in its file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from aws_cdk import App

from lambda_image_constructs import LambdaImageValidationError
from lambda_image_constructs.errors import Problem
from lambda_image_constructs.org import ImageAccountStage
from lambda_image_constructs.org.config import documents, load_from_context, parse_config

from .test_config import VALID_YAML, write


def refusal(path: str) -> LambdaImageValidationError:
    with pytest.raises(LambdaImageValidationError) as raised:
        load_from_context({"config": path}.get)
    return raised.value


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX feature")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "org.yaml"
    os.mkfifo(fifo)
    error = refusal(str(fifo))
    assert "not a regular file" in str(error) and str(fifo) in str(error)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs the /dev/zero device")
def test_a_device_is_refused_without_reading_it() -> None:
    error = refusal("/dev/zero")
    assert "not a regular file" in str(error)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert "is a folder" in str(refusal(str(tmp_path)))


def test_a_file_past_the_size_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 100)
    path = write(tmp_path, "org.yaml", VALID_YAML)
    assert "larger than 100 bytes" in str(refusal(path))


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_bytes(VALID_YAML.encode() + b"\xff\xfe")
    assert "is not UTF-8 text" in str(refusal(str(path)))


@pytest.mark.parametrize("name", ["org.yaml", "org.json"])
def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path, name: str) -> None:
    if name.endswith(".json"):
        import json

        import yaml

        text = json.dumps(yaml.safe_load(VALID_YAML))
    else:
        text = VALID_YAML
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    config = load_from_context({"config": str(path)}.get)
    assert config.image_account.account == "111111111111"


def test_yaml_merge_keys_are_read_and_may_be_overridden(tmp_path: Path) -> None:
    text = VALID_YAML.replace(
        "      - &fn {name: fn, image: svc, command: &cmd [app.handler]}\n"
        "      - {name: fn2, image: svc, command: *cmd}\n",
        "      - &fn {name: fn, image: svc, memorySize: 1024, command: [app.handler]}\n"
        "      - {<<: *fn, name: fn2}\n",
    )
    config = load_from_context({"config": write(tmp_path, "org.yaml", text)}.get)
    first, second = config.consumer_accounts[0].functions
    assert (second.name, second.memory_size, second.command) == ("fn2", 1024, ("app.handler",))
    assert first.name == "fn"


def test_a_key_given_twice_beside_a_merge_is_still_refused(tmp_path: Path) -> None:
    text = VALID_YAML.replace(
        "      - {name: fn2, image: svc, command: *cmd}\n",
        "      - {<<: *fn, name: fn2, name: fn3}\n",
    )
    error = refusal(write(tmp_path, "org.yaml", text))
    assert [p.field for p in error.problems] == ["name (line 9)"]


def test_one_long_value_aliased_many_times_is_refused(tmp_path: Path) -> None:
    # 300 aliases of one 10,000-character value: few values, but 3 MB once expanded.
    long_value = "x" * 10_000
    environment = ", ".join(f"K{i}: *big" for i in range(300))
    text = VALID_YAML.replace(
        "      - {name: fn2, image: svc, command: *cmd}\n",
        f"      - {{name: fn2, image: svc, description: &big {long_value},"
        f" environment: {{{environment}}}}}\n",
    )
    error = refusal(write(tmp_path, "org.yaml", text))
    (problem,) = error.problems
    assert problem.field == "(YAML aliases)" and "characters" in str(problem)
    assert len(str(error)) < 1_000


@pytest.mark.parametrize(
    ("written", "read_as"),
    [("012345670123", "1402433619"), ("222222222222", "222222222222")],
)
def test_an_unquoted_account_id_is_refused_showing_what_was_written(
    tmp_path: Path, written: str, read_as: str
) -> None:
    text = VALID_YAML.replace("account: '222222222222'", f"account: {written}")
    error = refusal(write(tmp_path, "org.yaml", text))
    (problem,) = error.problems
    assert problem.field == "account (line 6)"
    assert f"must be quoted (account: '{written}')" in str(problem)
    assert f"as the number {read_as}" in str(problem) and f"got '{written}'" in str(problem)


def test_an_account_id_given_as_a_json_number_asks_for_quotes() -> None:
    import yaml

    document = yaml.safe_load(VALID_YAML)
    document["consumerAccounts"][0]["account"] = 222222222222
    with pytest.raises(LambdaImageValidationError) as raised:
        parse_config(document, "cdk.json")
    (problem,) = raised.value.problems
    assert problem.field == "consumerAccounts[0].account"
    assert "in quotes" in str(problem)


def test_a_deployment_holds_at_most_codedeploys_ten_alarms() -> None:
    import yaml

    document = yaml.safe_load(VALID_YAML)
    document["consumerAccounts"][0]["functions"][0]["deployment"] = {
        "type": "all-at-once",
        "alarms": [f"alarm-{i}" for i in range(11)],
    }
    with pytest.raises(LambdaImageValidationError) as raised:
        parse_config(document, "org.yaml")
    (problem,) = raised.value.problems
    assert problem.field == "consumerAccounts[0].functions[0].deployment.alarms"
    assert "at most 10 items" in str(problem)


def test_function_defaults_are_merged_into_each_function_once() -> None:
    import yaml

    document = yaml.safe_load(VALID_YAML)
    document["consumerAccounts"][0]["functionDefaults"] = {"alias": "live", "snapStart": True}
    document["consumerAccounts"][0]["functions"][1]["alias"] = "blue"
    config = parse_config(document, "org.yaml")
    first, second = config.consumer_accounts[0].functions
    assert (first.alias, first.snap_start) == ("live", True)
    assert (second.alias, second.snap_start) == ("blue", True)


def test_a_default_that_breaks_a_functions_rule_names_the_function() -> None:
    import yaml

    document = yaml.safe_load(VALID_YAML)
    document["consumerAccounts"][0]["functionDefaults"] = {"provisionedConcurrency": 5}
    document["consumerAccounts"][0]["functions"][0]["reservedConcurrentExecutions"] = 2
    with pytest.raises(LambdaImageValidationError) as raised:
        parse_config(document, "org.yaml")
    (problem,) = raised.value.problems
    assert problem.field == "consumerAccounts[0].functions[0].provisionedConcurrency"
    assert "at most reservedConcurrentExecutions (2)" in str(problem)


def test_a_constructs_problem_names_the_file_and_the_key(tmp_path: Path) -> None:
    """A folder without a Dockerfile is found by LambdaImage; the error still names the file
    and images[0].directory, not the construct's Python option."""
    (tmp_path / "empty").mkdir()
    text = VALID_YAML.replace("directory: samples/debian-ric", f"directory: {tmp_path / 'empty'}")
    config = load_from_context({"config": write(tmp_path, "org.yaml", text)}.get)
    with pytest.raises(LambdaImageValidationError) as raised:
        ImageAccountStage(App(), "Images", config=config)
    assert str(raised.value).startswith(f"configuration {tmp_path / 'org.yaml'}: ")
    (problem,) = raised.value.problems
    assert problem.field == "images[0].directory"
    assert "must be a Dockerfile inside" in str(problem)


def test_a_constructs_message_speaks_in_configuration_keys(tmp_path: Path) -> None:
    config = load_from_context({"config": write(tmp_path, "org.yaml", VALID_YAML)}.get)
    repository = config.repositories[0]
    with pytest.raises(LambdaImageValidationError) as raised, repository.reported_here():
        raise LambdaImageValidationError(
            "LambdaImageRepository Repo",
            [
                Problem("consumer_accounts[0]", None, "must not be the owner; use organization_id"),
                Problem("repository_name", None, "must be unique"),
            ],
        )
    fields = {p.field: p.accepted for p in raised.value.problems}
    assert fields == {
        "repositories[0].consumers[0]": "must not be the owner; use organizationId",
        "repositories[0].name": "must be unique",
    }


def test_a_repository_is_not_copied_into_another_partition() -> None:
    import yaml

    document = yaml.safe_load(VALID_YAML)
    document["repositories"][0]["regions"] = ["eu-west-1", "cn-north-1"]
    with pytest.raises(LambdaImageValidationError) as raised:
        parse_config(document, "org.yaml")
    (problem,) = raised.value.problems
    assert problem.field == "repositories[0].regions[1]"
    assert "partition (aws)" in str(problem)


def test_two_repository_names_that_make_one_stack_id_are_refused() -> None:
    import yaml

    document = yaml.safe_load(VALID_YAML)
    document["repositories"].append({"name": "platform-lambda-images", "consumers": ["a"]})
    with pytest.raises(LambdaImageValidationError) as raised:
        parse_config(document, "org.yaml")
    (problem,) = raised.value.problems
    assert problem.field == "repositories[1].name"
    assert "repositories[0].name has it too" in str(problem)
    assert "got 'platform-lambda-images'" in str(problem)
