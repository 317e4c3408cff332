"""A consumer (workload) account's functions, running the shared images."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from lambda_image_constructs import Deployment, ImageFunction, ImageSource, LambdaImage
from lambda_image_constructs.errors import Problems
from lambda_image_constructs.limits import STACK_RESOURCES as MAX_RESOURCES
from lambda_image_constructs.option_types import check_construct, child_path
from lambda_image_constructs.validation import check_names_given

from .config import DeploymentSpec, FunctionSpec


class ImageFunctionStack(Stack):
    """The functions of one consumer account, each an ``ImageFunction`` of a shared image with
    its own command, entrypoint and environment. Their log groups and environment variables
    are encrypted with one customer managed key of the stack, with rotation."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        functions: Sequence[FunctionSpec],
        images: Mapping[str, LambdaImage | Sequence[LambdaImage] | ImageSource],
        where: str = "",
        **kwargs: Any,
    ) -> None:
        """
        :param functions: The functions of this stack.
        :param images: The images by name: one ``LambdaImage``, its copies in several
            Regions (each function takes the one of its own Region), or an ``ImageSource``.
        :param where: The configuration path of the account, for errors.
        """
        given = {"functions": functions, "images": images, "where": where}
        check_construct(ImageFunctionStack, scope, id, {**given, **kwargs})
        check_images_given(f"ImageFunctionStack {child_path(scope, id)}", functions, images)
        super().__init__(scope, id, **kwargs)
        self.key = kms.Key(
            self,
            "FunctionsKey",
            enable_key_rotation=True,
            description=f"Encrypts the logs and environment of the functions in {self.stack_name}",
        )
        # CloudWatch Logs may use the key for this account's log groups only.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:*"
                        )
                    }
                },
            )
        )
        self.functions: dict[str, ImageFunction] = {}
        for spec in functions:
            image = images[spec.image]
            source = (
                image
                if isinstance(image, ImageSource)
                else ImageSource.from_asset(image)
                if isinstance(image, LambdaImage)
                else ImageSource.from_regional_assets(image)
            )
            optional: dict[str, Any] = {
                "memory_size": spec.memory_size,
                "ephemeral_storage_size": spec.ephemeral_storage_size,
                "timeout": spec.timeout_seconds,
            }
            with spec.reported_here():
                self.functions[spec.name] = ImageFunction(
                    self,
                    spec.name,
                    image=source,
                    command=spec.command,
                    entrypoint=spec.entrypoint,
                    working_directory=spec.working_directory,
                    environment=dict(spec.environment) or None,
                    function_name=spec.name,
                    reserved_concurrent_executions=spec.reserved_concurrent_executions,
                    log_encryption_key=self.key,
                    environment_encryption=self.key,
                    **{k: v for k, v in optional.items() if v is not None},
                    **self._rollout(spec),
                )
        self._check_size(where)

    def _rollout(self, spec: FunctionSpec) -> dict[str, Any]:
        """The function's rollout options (its account's functionDefaults merged in by
        parse_config)."""
        options: dict[str, Any] = {
            "alias": spec.alias,
            "provisioned_concurrency": spec.provisioned_concurrency,
        }
        if spec.snap_start:
            options["snap_start"] = lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS
        deployment: DeploymentSpec | None = spec.deployment
        if deployment is not None:
            alarms = [
                cloudwatch.Alarm.from_alarm_name(self, f"{spec.name}-alarm-{index}", name)
                for index, name in enumerate(deployment.alarms)
            ]
            common: dict[str, Any] = {
                "alarms": alarms,
                "default_alarms": deployment.default_alarms,
            }
            options["deployment"] = (
                Deployment.all_at_once(**common)
                if deployment.type == "all-at-once"
                else Deployment.canary(
                    percent=deployment.percent or 0, interval=deployment.minutes or 0, **common
                )
                if deployment.type == "canary"
                else Deployment.linear(
                    percent=deployment.percent or 0, interval=deployment.minutes or 0, **common
                )
            )
        return {k: v for k, v in options.items() if v is not None}

    def _check_size(self, where: str) -> None:
        """CloudFormation holds at most 500 resources per stack: our error, before jsii's."""
        count = sum(isinstance(c, CfnResource) for c in self.node.find_all())
        if count > MAX_RESOURCES:
            problems = Problems()
            problems.add(
                f"{where}.functionStacks" if where else "functions",
                f"{count} resources in {self.node.path} ({len(self.functions)} functions)",
                f"must fit CloudFormation's {MAX_RESOURCES} resources per stack: raise the"
                " account's functionStacks (each function then moves to the stack its name"
                " hashes to, which replaces it) or give some functions a stack: of their own",
            )
            problems.raise_if_any(f"stack {self.node.path}")


def check_images_given(
    subject: str, functions: Sequence[FunctionSpec], images: Mapping[str, Any]
) -> None:
    """``images`` holds the image of every function, each with at least one copy."""
    problems = Problems()
    needed = {f.image: f"function {f.name}" for f in functions}
    check_names_given(problems, "images", images, needed)
    for name in needed:
        if isinstance(images.get(name), Sequence) and not images[name]:
            problems.add(f"images[{name!r}]", images[name], "must hold a LambdaImage")
    problems.raise_if_any(subject)
