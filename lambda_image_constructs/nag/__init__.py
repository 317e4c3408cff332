"""LambdaContainerImageChecks: the project's own cdk-nag pack for Lambda container images."""

from .pack import LambdaContainerImageChecks

__all__ = ["LambdaContainerImageChecks"]
