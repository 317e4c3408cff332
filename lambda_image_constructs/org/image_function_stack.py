"""A consumer (workload) account's functions, running the shared images."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from lambda_image_constructs import ImageFunction, ImageSource, LambdaImage

from .config import FunctionSpec


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
        images: Mapping[str, LambdaImage],
        **kwargs: Any,
    ) -> None:
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
            optional: dict[str, Any] = {
                "memory_size": spec.memory_size,
                "ephemeral_storage_size": spec.ephemeral_storage_size,
                "timeout": spec.timeout_seconds,
            }
            self.functions[spec.name] = ImageFunction(
                self,
                spec.name,
                image=ImageSource.from_asset(image),
                architecture=image.architecture_name,
                command=spec.command,
                entrypoint=spec.entrypoint,
                working_directory=spec.working_directory,
                environment=dict(spec.environment) or None,
                function_name=spec.name,
                reserved_concurrent_executions=spec.reserved_concurrent_executions,
                log_encryption_key=self.key,
                environment_encryption=self.key,
                **{k: v for k, v in optional.items() if v is not None},
            )
