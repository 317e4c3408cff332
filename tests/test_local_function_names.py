"""``lambda-images invoke NAME``: a function is found by its construct ID, as well as by its
construct path, logical ID or function name, when the name fits one function only."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_image_constructs.local.assembly import AssemblyError, find_function

from .test_local_cli_bad_inputs import fn, valid_assembly, write


def assembly(tmp_path: Path, *, stage_construct: str = "Worker") -> Path:
    """The hand-written assembly of the CLI's bad-input table, its functions named as an
    ImageFunction's are: ``Stack/OrdersApi`` (logical ID Fn) and ``Stage/StageStack/<id>``."""
    files = valid_assembly()
    resources = files["Stack.template.json"]["Resources"]
    resources["Fn"]["Metadata"] = {"aws:cdk:path": "Stack/OrdersApi/Resource/Resource"}
    stage = files["assembly-Stage/StageStack.template.json"]["Resources"]["StageFn"]
    stage["Properties"] = dict(stage["Properties"])  # its own: only the first has a name
    fn(files)["FunctionName"] = "orders-api"
    stage["Metadata"] = {"aws:cdk:path": f"Stage/StageStack/{stage_construct}/Resource/Resource"}
    write(tmp_path / "cdk.out", files)
    return tmp_path / "cdk.out"


@pytest.mark.parametrize("name", ["OrdersApi", "Stack/OrdersApi", "Stack/Fn", "Fn", "orders-api"])
def test_each_name_of_a_function_finds_it(tmp_path: Path, name: str) -> None:
    found = find_function(assembly(tmp_path), name)
    assert (found.stack, found.logical_id) == ("Stack", "Fn")


def test_a_construct_id_two_functions_share_is_refused_with_their_paths(tmp_path: Path) -> None:
    outdir = assembly(tmp_path, stage_construct="OrdersApi")
    with pytest.raises(AssemblyError) as refused:
        find_function(outdir, "OrdersApi")
    message = str(refused.value)
    assert "'OrdersApi' names 2 functions" in message
    assert "Stack/Fn" in message and "Stage/StageStack/StageFn" in message
    # The path still tells them apart.
    assert find_function(outdir, "Stage/StageStack/OrdersApi").logical_id == "StageFn"
