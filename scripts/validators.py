"""External validators over what the project produces: ``make check`` (part of ``make test``).

- cfn-lint over every template of the default app, the pipeline app and the StackSet example;
- checkov over both cloud assemblies (``--skip-download``, offline);
- hadolint over the sample Dockerfiles;
- parliament over every IAM policy and every ECR repository policy. Parliament reads plain
  policies, so CloudFormation intrinsics are resolved to ARNs of the resources they name, and a
  repository policy gets the repository's ARN as its ``Resource`` (parliament has no
  resource-policy mode).

Each ``run_*`` function returns the findings as lines; none means the tool is satisfied.
Ignored rules and skipped checks are listed, each with its reason, in ``.cfnlintrc.yaml``,
``.checkov.yaml`` and ``.hadolint.yaml``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT, REGION, PARTITION = "111111111111", "us-east-1", "aws"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": PARTITION,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
}
# ARNs of the resources that policies name through Fn::GetAtt / Ref, by CloudFormation type.
ARN_OF_TYPE = {
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/{name}",
    "AWS::ECR::Repository": "arn:aws:ecr:{region}:{account}:repository/{name}",
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
    "AWS::CodeBuild::Project": "arn:aws:codebuild:{region}:{account}:project/{name}",
    "AWS::CodePipeline::Pipeline": "arn:aws:codepipeline:{region}:{account}:{name}",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::SNS::Topic": "arn:aws:sns:{region}:{account}:{name}",
    "AWS::Lambda::Alias": "arn:aws:lambda:{region}:{account}:function:fn:{name}",
    "AWS::Lambda::Version": "arn:aws:lambda:{region}:{account}:function:fn:1",
    "AWS::IAM::ManagedPolicy": "arn:aws:iam::{account}:policy/{name}",
}
# Resources whose Ref is their ARN, not a name.
REF_IS_ARN = {"AWS::Lambda::Alias", "AWS::Lambda::Version", "AWS::IAM::ManagedPolicy"}


def tool(tools: Path, name: str) -> str:
    return str(tools / name)


def templates(outdir: Path) -> list[Path]:
    return sorted(outdir.rglob("*.template.json"))


def run_cfn_lint(tools: Path, paths: Iterable[Path]) -> list[str]:
    files = [str(p) for p in paths]
    if not files:
        return []
    result = subprocess.run(
        [tool(tools, "cfn-lint"), "--format", "parseable", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


def run_checkov(tools: Path, directory: Path) -> list[str]:
    result = subprocess.run(
        [
            tool(tools, "checkov"),
            "--config-file",
            str(ROOT / ".checkov.yaml"),
            "--directory",
            ".",
            "--skip-download",
            "--quiet",
            "--compact",
            "--output",
            "json",
        ],
        # From inside the assembly: given an absolute --directory, checkov 3.3.30 reports
        # CKV_AWS_45 (secrets in Lambda environment) for plain values it passes otherwise.
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        reports = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        return [f"checkov did not report: {result.stdout[-500:]}{result.stderr[-500:]}"]
    findings = []
    for report in reports if isinstance(reports, list) else [reports]:
        for check in report.get("results", {}).get("failed_checks", []):
            findings.append(
                f"{check['check_id']} {check['check_name']}: {check['resource']}"
                f" in {check['file_path']}"
            )
    return findings


def run_hadolint(tools: Path, dockerfiles: Iterable[Path]) -> list[str]:
    findings = []
    for dockerfile in dockerfiles:
        result = subprocess.run(
            [
                tool(tools, "hadolint"),
                "--config",
                str(ROOT / ".hadolint.yaml"),
                "--no-color",
                str(dockerfile),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            findings.extend(line for line in result.stdout.splitlines() if line.strip())
    return findings


def _arn(resources: Mapping[str, Any], logical_id: str) -> str:
    kind = resources.get(logical_id, {}).get("Type", "")
    pattern = ARN_OF_TYPE.get(kind, "arn:aws:iam::{account}:role/{name}")
    return pattern.format(region=REGION, account=ACCOUNT, name=logical_id.lower())


def resolve(value: Any, resources: Mapping[str, Any]) -> Any:
    """CloudFormation intrinsics replaced by the values they stand for here."""
    if isinstance(value, list):
        return [resolve(v, resources) for v in value]
    if not isinstance(value, Mapping):
        return value
    if set(value) == {"Ref"}:
        name = value["Ref"]
        if resources.get(name, {}).get("Type") in REF_IS_ARN:
            return _arn(resources, name)
        return PSEUDO.get(name) or name.lower()
    if set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        return _arn(resources, logical_id) if attribute == "Arn" else logical_id.lower()
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(p, resources)) for p in parts)
    if set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        for name, replacement in PSEUDO.items():
            text = text.replace("${" + name + "}", replacement)
        return text
    return {k: resolve(v, resources) for k, v in value.items()}


def policies(template: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, policy document) of every identity policy and repository policy."""
    resources = template.get("Resources", {})
    for logical_id, resource in resources.items():
        kind, props = resource.get("Type"), resource.get("Properties", {})
        if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield logical_id, resolve(props["PolicyDocument"], resources)
        elif kind == "AWS::IAM::Role":
            for inline in props.get("Policies", []):
                yield (
                    f"{logical_id}/{inline['PolicyName']}",
                    resolve(inline["PolicyDocument"], resources),
                )
        elif kind == "AWS::ECR::Repository" and "RepositoryPolicyText" in props:
            document = resolve(props["RepositoryPolicyText"], resources)
            arn = _arn(resources, logical_id)
            if isinstance(props.get("RepositoryName"), str):
                arn = ARN_OF_TYPE[kind].format(
                    region=REGION, account=ACCOUNT, name=props["RepositoryName"]
                )
            for statement in document.get("Statement", []):
                statement.setdefault("Resource", arn)
            yield f"{logical_id} (repository policy)", document


def parliament_ignores() -> dict[str, list[dict[str, str]]]:
    """``ignore_locations`` per issue from .parliament.yaml. parliament 1.6.4 reads them but
    never matches them (its make_list() drops plain YAML values), so they are applied here,
    with its documented meaning: every field of a location fully matches, case-insensitively."""
    import yaml

    document = yaml.safe_load((ROOT / ".parliament.yaml").read_text()) or {}
    return {issue: settings.get("ignore_locations", []) for issue, settings in document.items()}


def ignored(finding: Mapping[str, Any], ignores: Mapping[str, list[dict[str, str]]]) -> bool:
    location = finding.get("location", {})
    for ignore in ignores.get(finding.get("issue", ""), []):
        if all(
            re.fullmatch(pattern.lower(), str(location.get(field, "")).lower())
            for field, pattern in ignore.items()
        ):
            return True
    return False


def run_parliament(tools: Path, named_policies: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    findings = []
    with tempfile.TemporaryDirectory() as scratch:
        files = {}
        for index, (name, document) in enumerate(named_policies):
            # The file name carries the policy's name, for ignore_locations in .parliament.yaml.
            safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
            path = Path(scratch) / f"{index:04d}--{safe}.json"
            path.write_text(json.dumps(document))
            files[str(path)] = name
        if not files:
            return []
        result = subprocess.run(
            [tool(tools, "parliament"), "--json", "--files", ",".join(files)],
            capture_output=True,
            text=True,
            check=False,
        )
        ignores = parliament_ignores()
        for line in result.stdout.splitlines():
            if not line.strip():
                continue
            finding = json.loads(line)
            if ignored(finding, ignores):
                continue
            name = files.get(finding.get("location", {}).get("filepath", ""), "?")
            findings.append(
                f"{finding['issue']} ({finding['severity']}) in {name}: "
                f"{json.dumps(finding.get('detail'))[:200]}"
            )
        if result.returncode not in (0, 1) and not findings:
            findings.append(f"parliament failed: {result.stderr[-500:]}")
    return findings


# A small organisation with org-wide functions: its StackSet, and the functions template the
# StackSet deploys (written beside it, as stackset.<name>/), are validated too.
STACK_SET_EXAMPLE = "docs/examples/org-wide.yaml"


def synth_apps(build: Path) -> dict[str, Path]:
    """The default app, the pipeline app and the StackSet example, synthesized into ``build``,
    one after another in this process (one Node process and one load of aws-cdk-lib for the
    three: about 6 s of make check fewer than a process each)."""
    sys.path.insert(0, str(ROOT))
    from aws_cdk import App

    from app import build_app

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    outdirs = {}
    apps = (
        ("default", {}),
        ("pipeline", {"pipeline": "true"}),
        ("stackset", {"config": STACK_SET_EXAMPLE}),
    )
    os.chdir(ROOT)  # the configuration's paths (images, -c config=...) are the project's
    for label, extra in apps:
        outdir = build / label
        shutil.rmtree(outdir, ignore_errors=True)
        build_app(App(outdir=str(outdir), context={**context, **extra})).synth()
        outdirs[label] = outdir
    return outdirs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", type=Path, required=True, help="folder of the validators")
    parser.add_argument("--build", type=Path, default=ROOT / "build" / "check")
    args = parser.parse_args(argv)
    args.tools = args.tools.resolve()
    outdirs = synth_apps(args.build)
    all_templates = [t for outdir in outdirs.values() for t in templates(outdir)]
    results = {
        "cfn-lint": run_cfn_lint(args.tools, all_templates),
        "checkov": [f for outdir in outdirs.values() for f in run_checkov(args.tools, outdir)],
        "hadolint": run_hadolint(args.tools, sorted((ROOT / "samples").glob("*/Dockerfile"))),
        "parliament": run_parliament(
            args.tools,
            [
                (f"{path.name.removesuffix('.template.json')}--{name}", document)
                for path in all_templates
                for name, document in policies(json.loads(path.read_text()))
            ],
        ),
    }
    failed = False
    for name, findings in results.items():
        print(f"{name}: {'ok' if not findings else f'{len(findings)} finding(s)'}")
        for finding in findings:
            print(f"  {finding}")
        failed = failed or bool(findings)
    print(f"validated {len(all_templates)} templates of {', '.join(outdirs)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
