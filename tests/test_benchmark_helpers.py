"""The helpers of benchmarks/ that decide whether a benchmark compares like with like."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from compare_templates import describe, resource_counts

from stacks.generate import org_config


def test_resource_counts_give_each_function_the_resources_named_after_it() -> None:
    config = org_config(1, 2)  # fn-000-000 and fn-000-001 in Consumer-workload-000/Functions
    resources: dict[str, dict[str, object]] = {
        "FunctionsKeyC337A2C1": {},
        "ImageFunctionTracingPolicy3987F97A": {},
        "fn00000099685F04": {},
        "fn000000LogGroup20A4DF78": {},
        "fn000000ExecutionRoleExecutionPolicy609BD4F9": {},
        "fn0000016C137E44": {},
    }
    templates = {"Consumer-workload-000/Functions": {"Resources": resources}}

    counts = resource_counts(templates, config)

    assert counts == {
        "Consumer-workload-000/Functions": (2, {"fn-000-000": 3, "fn-000-001": 1}),
    }
    assert describe(*counts["Consumer-workload-000/Functions"]) == (
        "6 resources (2 of the stack, 1 for each of 1 functions, 3 for each of 1 functions)"
    )


def test_resource_counts_follow_an_account_over_its_functions_stacks() -> None:
    config = org_config(1, 2)
    templates: dict[str, dict[str, dict[str, object]]] = {
        "Consumer-workload-000/Functions": {
            "Resources": {"FunctionsKeyC337A2C1": {}, "fn000000DeploymentGroup1A2B3C4D": {}}
        },
        "Consumer-workload-000/Functions-2": {
            "Resources": {"FunctionsKeyC337A2C1": {}, "fn0000016C137E44": {}, "fn000001Alias": {}}
        },
    }

    counts = resource_counts(templates, config)

    assert counts == {
        "Consumer-workload-000/Functions": (1, {"fn-000-000": 1}),
        "Consumer-workload-000/Functions-2": (1, {"fn-000-001": 2}),
    }


def test_the_hand_written_split_is_the_library_s() -> None:
    from types import SimpleNamespace

    from l2_app import functions_stack_of

    from lambda_image_constructs.org.stages import stack_of

    for stacks in (1, 2, 5):
        for n in range(40):
            name = f"fn-000-{n:03d}"
            spec = SimpleNamespace(name=name, stack=None)
            assert functions_stack_of(name, stacks) == stack_of(spec, stacks)  # type: ignore[arg-type]
