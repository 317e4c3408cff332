"""AWS CDK v2 constructs for AWS Lambda container images.

- :class:`LambdaImageRepository`: an ECR repository with the Lambda guide's same-account and
  cross-account repository policies.
"""

from .errors import LambdaImageValidationError, Problem
from .repository import ConsumerAccount, LambdaImageRepository

__all__ = [
    "ConsumerAccount",
    "LambdaImageRepository",
    "LambdaImageValidationError",
    "Problem",
]
