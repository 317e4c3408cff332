"""Acknowledgements: every one is listed in docs/acknowledgements.md with its reason, generated
from the apps, and each is specific to its resource."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any

import pytest
from aws_cdk import App, CfnWaitConditionHandle, Stack

from app import build_app
from lambda_image_constructs.compliance import acknowledgements, register_compliance_packs
from lambda_image_constructs.nag import LambdaContainerImageChecks

from .cdk_harness import PROJECT_ROOT, cdk_json_context, new_app


def compliance_report() -> ModuleType:
    path = PROJECT_ROOT / "scripts" / "compliance_report.py"
    spec = importlib.util.spec_from_file_location("compliance_report", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_list_every_acknowledgement_of_both_apps() -> None:
    report = compliance_report()
    page = report.REPORT.read_text()
    section = page[page.index(report.START) : page.index(report.END) + len(report.END)]
    assert section == report.render(), (
        "docs/acknowledgements.md is out of date: run python scripts/compliance_report.py"
    )


def test_each_acknowledgement_names_a_full_rule_id_and_a_reason() -> None:
    app = build_app(App(context=dict(cdk_json_context())))
    found = acknowledgements(app)
    assert found
    for item in found:
        assert "-" in item.rule and not item.rule.endswith("-"), item
        assert len(item.reason) >= 40, item
    # Per-function NIST choices name their function, so no two functions share a reason.
    nist = [a for a in found if a.rule.startswith("NIST.800.53.R5-Lambda")]
    assert len({a.reason for a in nist}) == len(nist)


def test_registering_twice_runs_each_pack_once(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = []
    original = LambdaContainerImageChecks.validate

    def counted(self: LambdaContainerImageChecks, context: Any) -> Any:
        runs.append(context)
        return original(self, context)

    monkeypatch.setattr(LambdaContainerImageChecks, "validate", counted)
    app = new_app()  # registers the packs, as build_app does again
    register_compliance_packs(app)
    CfnWaitConditionHandle(Stack(app, "Any"), "Placeholder")
    app.synth()
    assert len(runs) == 1
