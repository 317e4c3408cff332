"""The repositories and functions of a synthesized cloud assembly, with their values resolved
as CloudFormation would resolve them in the stack's account and Region.

Pseudo parameters (``AWS::AccountId``, ``AWS::Region``, ``AWS::Partition``, ``AWS::URLSuffix``,
``AWS::StackName``), ``Ref`` and ``Fn::GetAtt ... Arn`` of the template's named repositories,
roles and functions, ``Fn::Join``, ``Fn::Sub`` and ``Fn::Select`` are resolved from the stack's
environment in the manifest; whatever cannot be known before deployment (a parameter, an
import, a generated name, an environment-agnostic stack) becomes an :class:`Unknown`, which the
evaluator reports as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..limits import ACCOUNT_ID
from ..local.assembly import AssemblyError, _manifests, read_json

_ENVIRONMENT = re.compile(rf"aws://(?P<account>{ACCOUNT_ID.pattern})/(?P<region>[a-z0-9-]+)")
_IMAGE_URI = re.compile(
    rf"(?P<account>{ACCOUNT_ID.pattern})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.[a-z0-9.-]+/"
    r"(?P<repository>[a-z0-9._/-]+?)(?::(?P<tag>[^@:/]+)|@(?P<digest>sha256:[a-f0-9]+))$"
)
_SUB_VARIABLE = re.compile(r"\$\{(!?)([^}]*)\}")
# Region prefixes of the partitions other than "aws" (AWS General Reference, "Partitions").
_PARTITIONS = (
    ("cn-", "aws-cn", "amazonaws.com.cn"),
    ("us-gov-", "aws-us-gov", "amazonaws.com"),
    ("us-isob-", "aws-iso-b", "sc2s.sgov.gov"),
    ("us-iso-", "aws-iso", "c2s.ic.gov"),
    ("eu-isoe-", "aws-iso-e", "cloud.adc-e.uk"),
    ("us-isof-", "aws-iso-f", "csp.hci.ic.gov"),
    ("eusc-", "aws-eusc", "amazonaws.eu"),
)
_NAMED = {  # type -> (name property, ARN of the name in (partition, region, account, name))
    "AWS::ECR::Repository": ("RepositoryName", "arn:{0}:ecr:{1}:{2}:repository/{3}"),
    "AWS::Lambda::Function": ("FunctionName", "arn:{0}:lambda:{1}:{2}:function:{3}"),
    "AWS::IAM::Role": ("RoleName", "arn:{0}:iam::{2}:role{4}{3}"),
}


class Unknown:
    """A value that cannot be known from the assembly; ``what`` says which."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __repr__(self) -> str:
        return f"<not known before deployment: {self.what}>"


def partition_of(region: str) -> tuple[str, str]:
    """(partition, URL suffix) of a Region."""
    for prefix, partition, suffix in _PARTITIONS:
        if region.startswith(prefix):
            return partition, suffix
    return "aws", "amazonaws.com"


@dataclass(frozen=True)
class StackEnvironment:
    """A stack's name, account and Region (None: environment-agnostic) and its resources."""

    name: str
    account: str | None
    region: str | None
    resources: Mapping[str, Any]

    @property
    def partition(self) -> str | None:
        return partition_of(self.region)[0] if self.region else None

    def pseudo(self, name: str) -> Any:
        region = self.region
        known = {
            "AWS::AccountId": self.account,
            "AWS::Region": region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": partition_of(region)[1] if region else None,
            "AWS::StackName": self.name,
        }
        value = known.get(name)
        return value if value is not None else Unknown(f"Ref {name}")

    def _resource(self, logical_id: str) -> tuple[Any, Mapping[str, Any]]:
        resource = self.resources.get(logical_id)
        if not isinstance(resource, Mapping):
            return None, {}
        properties = resource.get("Properties")
        return resource.get("Type"), properties if isinstance(properties, Mapping) else {}

    def name_of(self, logical_id: str) -> Any:
        kind, properties = self._resource(logical_id)
        if kind in _NAMED:
            name = properties.get(_NAMED[kind][0])
            resolved = resolve(name, self) if name is not None else None
            if isinstance(resolved, str):
                return resolved
        return Unknown(f"Ref {logical_id} (a name CloudFormation chooses, or not a resource)")

    def arn_of(self, logical_id: str) -> Any:
        kind, properties = self._resource(logical_id)
        name = self.name_of(logical_id)
        if kind not in _NAMED or isinstance(name, Unknown) or not self.account or not self.region:
            return Unknown(f"Fn::GetAtt {logical_id}.Arn")
        path = resolve(properties.get("Path", "/"), self)
        if not isinstance(path, str):
            return Unknown(f"Fn::GetAtt {logical_id}.Arn (its Path)")
        return _NAMED[kind][1].format(self.partition, self.region, self.account, name, path)


def _sub(template: str, variables: Mapping[str, Any], env: StackEnvironment) -> Any:
    unknown: list[Unknown] = []

    def replace(match: re.Match[str]) -> str:
        if match[1]:  # ${!Literal} is written as ${Literal}
            return "${" + match[2] + "}"
        name = match[2]
        if name in variables:
            value = resolve(variables[name], env)
        elif name.startswith("AWS::"):
            value = env.pseudo(name)
        elif name.endswith(".Arn"):
            value = env.arn_of(name.removesuffix(".Arn"))
        else:
            value = env.name_of(name)
        if isinstance(value, str):
            return value
        unknown.append(value if isinstance(value, Unknown) else Unknown(f"${{{name}}}"))
        return ""

    text = _SUB_VARIABLE.sub(replace, template)
    return unknown[0] if unknown else text


def _function(name: str, argument: Any, env: StackEnvironment) -> Any:
    if name == "Ref" and isinstance(argument, str):
        return env.pseudo(argument) if argument.startswith("AWS::") else env.name_of(argument)
    if name == "Fn::GetAtt":
        parts = argument.split(".", 1) if isinstance(argument, str) else argument
        if isinstance(parts, list) and len(parts) == 2 and parts[1] == "Arn":
            return env.arn_of(str(parts[0]))
    if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        separator, parts = argument[0], resolve(argument[1], env)
        if isinstance(parts, list):
            found = next((p for p in parts if not isinstance(p, str)), None)
            if found is None and isinstance(separator, str):
                return separator.join(parts)
            if isinstance(found, Unknown):
                return found
    if name == "Fn::Sub":
        template, variables = (argument, {}) if isinstance(argument, str) else (
            argument if isinstance(argument, list) and len(argument) == 2 else (None, None)
        )  # fmt: skip
        if isinstance(template, str) and isinstance(variables, Mapping):
            return _sub(template, variables, env)
    if name == "Fn::Select" and isinstance(argument, list) and len(argument) == 2:
        index, items = resolve(argument[0], env), resolve(argument[1], env)
        if isinstance(items, list) and str(index).isdigit() and int(index) < len(items):
            return items[int(index)]
    return Unknown(f"{name} {str(argument)[:60]}")


def resolve(value: Any, env: StackEnvironment) -> Any:
    """``value`` with every intrinsic function that can be resolved before deployment resolved."""
    if isinstance(value, list):
        return [resolve(item, env) for item in value]
    if isinstance(value, Mapping):
        if len(value) == 1:
            [(key, argument)] = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return _function(key, argument, env)
        return {key: resolve(item, env) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class RepositoryRecord:
    """An ECR repository of the assembly, its policy resolved (an object, JSON text, an
    :class:`Unknown`, or None when it has none)."""

    stack: str
    logical_id: str
    account: str
    region: str
    name: str
    policy: Any

    @property
    def partition(self) -> str:
        return partition_of(self.region)[0]

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:ecr:{self.region}:{self.account}:repository/{self.name}"

    @property
    def id(self) -> str:
        return f"{self.account}/{self.region}/{self.name}"


@dataclass(frozen=True)
class FunctionRecord:
    """A Lambda function of the assembly: its name (None when CloudFormation chooses it) and
    its image URI (None for a function of a .zip package, such as aws-cdk-lib's handlers)."""

    stack: str
    logical_id: str
    account: str
    region: str
    name: str | None
    image_uri: str | None

    @property
    def image_place(self) -> tuple[str, str, str] | None:
        """(account, Region, repository name) of its image, when its URI is an ECR one."""
        match = _IMAGE_URI.fullmatch(self.image_uri or "")
        return (match["account"], match["region"], match["repository"]) if match else None


@dataclass
class AssemblyContents:
    repositories: list[RepositoryRecord]
    functions: list[FunctionRecord]


def stacks(outdir: Path) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Every stack artifact of the assembly and its nested assemblies (Stages), each once."""
    for folder, manifest in _manifests(outdir):
        for artifact in (manifest.get("artifacts") or {}).values():
            if isinstance(artifact, dict) and artifact.get("type") == "aws:cloudformation:stack":
                yield folder, artifact


def stack_environment(folder: Path, artifact: Mapping[str, Any]) -> StackEnvironment:
    match = _ENVIRONMENT.fullmatch(str(artifact.get("environment", "")))
    properties = artifact.get("properties")
    if not isinstance(properties, Mapping) or not isinstance(properties.get("templateFile"), str):
        raise AssemblyError(f"stack artifact in {folder / 'manifest.json'} has no templateFile")
    template = read_json(folder / properties["templateFile"], "template")
    resources = template.get("Resources") if isinstance(template, Mapping) else None
    if not isinstance(resources, Mapping):
        resources = {}
    name = str(artifact.get("displayName") or properties.get("stackName") or "?")
    return StackEnvironment(
        name, match["account"] if match else None, match["region"] if match else None, resources
    )


def read_contents(outdir: Path) -> AssemblyContents:
    """The repositories and functions of the assembly in ``outdir`` (``cdk.out``)."""
    contents = AssemblyContents([], [])
    for folder, artifact in stacks(outdir):
        env = stack_environment(folder, artifact)
        account, region = env.account or "unknown", env.region or "unknown"
        for logical_id, resource in env.resources.items():
            if not isinstance(resource, Mapping):
                continue
            kind, properties = resource.get("Type"), resource.get("Properties") or {}
            if kind == "AWS::ECR::Repository":
                name = resolve(properties.get("RepositoryName"), env)
                contents.repositories.append(
                    RepositoryRecord(
                        env.name, logical_id, account, region,
                        name if isinstance(name, str) else logical_id,
                        resolve(properties.get("RepositoryPolicyText"), env),
                    )
                )  # fmt: skip
            elif kind == "AWS::Lambda::Function":
                name = resolve(properties.get("FunctionName"), env)
                code = properties.get("Code")
                code = code if isinstance(code, Mapping) else {}
                uri = resolve(code.get("ImageUri"), env) if "ImageUri" in code else None
                contents.functions.append(
                    FunctionRecord(
                        env.name, logical_id, account, region,
                        name if isinstance(name, str) else None,
                        uri if isinstance(uri, str) else None if uri is None else repr(uri),
                    )
                )  # fmt: skip
    return contents
