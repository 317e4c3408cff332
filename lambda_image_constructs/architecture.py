"""Lambda architectures and the one build platform each maps to."""

from __future__ import annotations

from enum import Enum
from typing import Any

from .errors import Problems


class LambdaArchitecture(Enum):
    """A Lambda instruction set architecture and the Docker platform images are built for."""

    X86_64 = ("x86_64", "linux/amd64")
    ARM_64 = ("arm64", "linux/arm64")

    @property
    def lambda_name(self) -> str:
        """The name Lambda uses (``Architectures`` in CloudFormation)."""
        return self.value[0]

    @property
    def docker_platform(self) -> str:
        return self.value[1]


_BY_NAME = {
    **{a.lambda_name: a for a in LambdaArchitecture},
    **{a.docker_platform: a for a in LambdaArchitecture},
    "amd64": LambdaArchitecture.X86_64,
    "aarch64": LambdaArchitecture.ARM_64,
}
ACCEPTED = (
    "must be exactly one Lambda architecture: 'x86_64' or 'arm64' (or aws_lambda.Architecture)"
)


def parse_architecture(problems: Problems, field: str, value: Any) -> LambdaArchitecture | None:
    """Accepts ``LambdaArchitecture``, ``aws_lambda.Architecture`` (compared by name: jsii
    objects have no value equality) or its name; anything naming several platforms is refused,
    since Lambda refuses multi-architecture images."""
    if isinstance(value, LambdaArchitecture):
        return value
    name = getattr(value, "name", value)
    if isinstance(name, str) and name.strip().lower() in _BY_NAME:
        return _BY_NAME[name.strip().lower()]
    problems.add(field, name if isinstance(name, str) else value, ACCEPTED)
    return None
