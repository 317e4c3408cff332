"""Lambda architectures, the one build platform each maps to, and the one type every construct
and the configuration take for them.

Only Lambda's own names are accepted: ``'x86_64'`` and ``'arm64'`` (or
``aws_lambda.Architecture``, or ``LambdaArchitecture``). Docker's and the kernel's names for the
same CPUs (``amd64``, ``aarch64``, ``linux/arm64``) are refused with the Lambda name to write
instead, by every construct alike: one spelling in the code and in the templates it makes.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

from .errors import Problems

if TYPE_CHECKING:
    from aws_cdk import aws_lambda


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


ArchitectureName = Literal["x86_64", "arm64"]
ImageArchitecture: TypeAlias = "LambdaArchitecture | aws_lambda.Architecture | ArchitectureName"
"""What every ``architecture`` option takes: ``LambdaArchitecture``, ``aws_lambda.Architecture``
or its Lambda name. Precise on purpose: ``mypy --strict`` catches ``architecture="arm65"``.
Quoted, so that importing it loads no jsii module; ``image_architecture_type()`` evaluates it."""


def image_architecture_type() -> Any:
    """``ImageArchitecture`` evaluated (importing aws-cdk-lib's Lambda module), for what reads
    annotations at run time: the option checks and the API reference."""
    from aws_cdk import aws_lambda

    text = cast(str, ImageArchitecture)  # a string at run time: the alias is quoted
    return eval(text, {**globals(), "aws_lambda": aws_lambda})


_BY_NAME = {a.lambda_name: a for a in LambdaArchitecture}
# Other names of the same CPUs, refused with the Lambda name to use instead.
_SYNONYMS = {
    **{a.docker_platform: a for a in LambdaArchitecture},
    "amd64": LambdaArchitecture.X86_64,
    "x86-64": LambdaArchitecture.X86_64,
    "aarch64": LambdaArchitecture.ARM_64,
    "arm64v8": LambdaArchitecture.ARM_64,
}
ACCEPTED = (
    "must be exactly one Lambda architecture: 'x86_64' or 'arm64' (or aws_lambda.Architecture)"
)


def parse_architecture(problems: Problems, field: str, value: Any) -> LambdaArchitecture | None:
    """Accepts ``LambdaArchitecture``, ``aws_lambda.Architecture`` (compared by name: jsii
    objects have no value equality) or its Lambda name; anything naming several platforms is
    refused, since Lambda refuses multi-architecture images."""
    if isinstance(value, LambdaArchitecture):
        return value
    name = getattr(value, "name", value)
    if isinstance(name, str) and name in _BY_NAME:
        return _BY_NAME[name]
    other_names = {**_SYNONYMS, **_BY_NAME}
    synonym = other_names.get(name.strip().lower()) if isinstance(name, str) else None
    if synonym is not None:
        problems.add(
            field,
            name,
            f"must be Lambda's name of the architecture: write {synonym.lambda_name!r}"
            f" ({name!r} is another spelling or name of the same CPU)",
        )
        return None
    problems.add(field, name if isinstance(name, str) else value, ACCEPTED)
    return None
