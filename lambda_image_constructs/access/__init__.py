"""Who can pull: ECR repository policies decided offline as IAM decides them, over a
synthesized cloud assembly (``lambda-images can-pull``, ``lambda-images graph``)."""

from .conditions import Context, evaluate_condition
from .evaluate import Decision, Request, StatementVerdict, decide
from .pull import NO_ORGANIZATION, Principal, PullAnswer, can_pull, parse_principal
from .templates import FunctionRecord, RepositoryRecord, Unknown, read_contents

__all__ = [
    "NO_ORGANIZATION",
    "Context",
    "Decision",
    "FunctionRecord",
    "Principal",
    "PullAnswer",
    "RepositoryRecord",
    "Request",
    "StatementVerdict",
    "Unknown",
    "can_pull",
    "decide",
    "evaluate_condition",
    "parse_principal",
    "read_contents",
]
