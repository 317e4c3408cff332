"""The generic option type checker: each wrong type is one problem naming the option, what is
accepted in a CDK user's words and what was given; what aws-cdk-lib accepts is accepted.

The declarations here are written for the test, the same kinds the constructs declare: the
checker reads any ``TypedDict`` or signature."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, Required, TypedDict, Unpack

import jsii
import pytest
from aws_cdk import App, Duration, Environment, RemovalPolicy, Size, Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from lambda_image_constructs.errors import LambdaImageValidationError, Problems
from lambda_image_constructs.option_types import (
    REQUIRED,
    check_arguments,
    check_construct,
    check_fields,
    check_options,
    child_path,
    describe,
)


class Options(TypedDict, total=False):
    image: Required[str]
    role: iam.IRole
    log_group: logs.ILogGroup
    dead_letter_queue: sqs.IQueue
    dead_letter_topic: sns.ITopic
    encryption_key: kms.IKey
    log_retention: logs.RetentionDays
    removal_policy: RemovalPolicy
    tracing: lambda_.Tracing
    timeout: Duration | int
    max_event_age: Duration
    memory_size: int
    utilization_target: float
    ephemeral_storage_size: Size | int
    consumer_accounts: Sequence[str]
    command: Sequence[str] | None
    environment: Mapping[str, str]
    architecture: Literal["x86_64", "arm64"] | lambda_.Architecture
    vpc_subnets: ec2.SubnetSelection
    env: Environment | dict[str, Any] | None  # as aws-cdk-lib declares a struct's parameter
    enabled: bool
    description: NotRequired[str | None]


# One shared stack for the resources given as values (they are only read).
_APP = App()
_STACK = Stack(_APP, "Values", env=Environment(account="111111111111", region="us-east-1"))
USER = iam.User(_STACK, "User")
QUEUE = sqs.Queue(_STACK, "Queue")
TOPIC = sns.Topic(_STACK, "Topic")
ROLE = iam.Role(_STACK, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
IMPORTED_ROLE = iam.Role.from_role_arn(_STACK, "Imported", "arn:aws:iam::111111111111:role/x")
IMPORTED_LOG_GROUP = logs.LogGroup.from_log_group_name(_STACK, "Logs", "x")
IMPORTED_KEY = kms.Key.from_key_arn(
    _STACK, "Key", "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
)


@jsii.implements(iam.IGrantable)
class _UserGrantable:
    """A class of a user's own implementing a jsii interface."""

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return iam.AccountRootPrincipal()


class _Grantees(TypedDict):
    grantee: iam.IGrantable


# (case id, options, the option the problem names, words of what is accepted, what was given)
WRONG: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("IAM user as role", {"role": USER}, "role", "an aws_iam.IRole",
     "an aws_iam.User (Values/User)"),
    ("queue as log group", {"log_group": QUEUE}, "log_group", "an aws_logs.ILogGroup",
     "an aws_sqs.Queue"),
    ("topic as queue", {"dead_letter_queue": TOPIC}, "dead_letter_queue", "an aws_sqs.IQueue",
     "an aws_sns.Topic"),
    ("queue as topic", {"dead_letter_topic": QUEUE}, "dead_letter_topic", "an aws_sns.ITopic",
     "an aws_sqs.Queue"),
    ("role as key", {"encryption_key": ROLE}, "encryption_key", "an aws_kms.IKey",
     "an aws_iam.Role"),
    ("role ARN as role", {"role": "arn:aws:iam::111111111111:role/x"}, "role",
     "an aws_iam.IRole (such as an aws_iam.Role or an imported one)", "'arn:aws:iam::"),
    ("int as retention", {"log_retention": 30}, "log_retention",
     "an aws_logs.RetentionDays member (e.g. RetentionDays.", "got 30"),
    ("text as retention", {"log_retention": "ONE_YEAR"}, "log_retention",
     "aws_logs.RetentionDays member", "'ONE_YEAR'"),
    ("text as removal policy", {"removal_policy": "retain"}, "removal_policy",
     "a RemovalPolicy member", "'retain'"),
    ("other enum as tracing", {"tracing": logs.RetentionDays.ONE_DAY}, "tracing",
     "an aws_lambda.Tracing member", "RetentionDays.ONE_DAY"),
    ("seconds as max event age", {"max_event_age": 3600}, "max_event_age",
     "a Duration (e.g. Duration.seconds(30))", "got 3600"),
    ("text as timeout", {"timeout": "30"}, "timeout", "a Duration (e.g. Duration.seconds(30))"
     " or a whole number", "'30'"),
    ("fraction as timeout", {"timeout": 1.5}, "timeout", "or a whole number", "1.5"),
    ("Size as timeout", {"timeout": Size.mebibytes(1)}, "timeout", "a Duration", "a Size"),
    ("bool as memory", {"memory_size": True}, "memory_size", "a whole number", "True"),
    ("text as memory", {"memory_size": "512"}, "memory_size", "a whole number", "'512'"),
    ("fraction as memory", {"memory_size": 512.5}, "memory_size", "a whole number", "512.5"),
    ("NaN as memory", {"memory_size": float("nan")}, "memory_size", "a whole number", "nan"),
    ("bool as target", {"utilization_target": False}, "utilization_target", "a number",
     "False"),
    ("Duration as size", {"ephemeral_storage_size": Duration.seconds(1)},
     "ephemeral_storage_size", "a Size (e.g. Size.mebibytes(1024)) or a whole number",
     "a Duration"),
    ("account as text", {"consumer_accounts": "222222222222"}, "consumer_accounts",
     "a list of strings", "'222222222222'"),
    ("accounts as set", {"consumer_accounts": {"222222222222"}}, "consumer_accounts",
     "a list of strings", "{'222222222222'}"),
    ("account as number", {"consumer_accounts": [222222222222]}, "consumer_accounts[0]",
     "a string", "222222222222"),
    ("command as text", {"command": "app.handler"}, "command", "a list of strings",
     "'app.handler'"),
    ("command with None", {"command": ["a", None]}, "command[1]", "a string", "None"),
    ("environment as list", {"environment": ["A=1"]}, "environment",
     "a dict of strings to strings", "['A=1']"),
    ("environment value number", {"environment": {"A": 1}}, "environment['A']", "a string",
     "got 1"),
    ("environment key number", {"environment": {5: "x"}}, "environment[5]",
     "a key that is a string", "got 5"),
    ("architecture number", {"architecture": 64}, "architecture",
     "one of 'x86_64', 'arm64' or an aws_lambda.Architecture", "got 64"),
    ("architecture enum of another kind", {"architecture": lambda_.Runtime.PYTHON_3_12},
     "architecture", "aws_lambda.Architecture", "an aws_lambda.Runtime"),
    ("subnet selection as text", {"vpc_subnets": "private"}, "vpc_subnets",
     "an aws_ec2.SubnetSelection (or a dict of its fields)", "'private'"),
    ("subnet selection dict with unknown key", {"vpc_subnets": {"subnet": "x"}}, "vpc_subnets",
     "aws_ec2.SubnetSelection", "{'subnet': 'x'}"),
    ("subnet selection dict with a field of the wrong type", {"vpc_subnets": {"one_per_az": "y"}},
     "vpc_subnets", "aws_ec2.SubnetSelection", "{'one_per_az': 'y'}"),
    ("environment dict with an unknown key", {"env": {"": None}}, "env",
     "an Environment (or a dict of its fields)", "{'': None}"),
    ("environment dict with a number as account", {"env": {"account": 111111111111}}, "env",
     "an Environment (or a dict of its fields)", "111111111111"),
    ("number as flag", {"enabled": 1}, "enabled", "True or False", "got 1"),
    ("text as flag", {"enabled": "false"}, "enabled", "True or False", "'false'"),
    ("number as description", {"description": 5}, "description", "a string", "got 5"),
    ("misspelt option", {"memroy_size": 512}, "memroy_size",
     "is not an option of Options (did you mean 'memory_size'?)", "512"),
    ("unknown option", {"colour": "blue"}, "colour", "is not an option of Options", "'blue'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("options", "field", "accepted", "given"),
    [case[1:] for case in WRONG],
    ids=[case[0] for case in WRONG],
)
def test_a_wrong_type_is_one_problem_naming_option_accepted_and_given(
    options: dict[str, Any], field: str, accepted: str, given: str
) -> None:
    problems = Problems()
    check_options(problems, Options, {"image": "x", **options}, ignore=())
    assert [p.field for p in problems] == [field], [str(p) for p in problems]
    message = str(next(iter(problems)))
    assert accepted in message, message
    assert given in message, message
    assert len(message) < 400


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("a role", {"role": ROLE}),
    ("an imported role", {"role": IMPORTED_ROLE}),
    ("an imported log group", {"log_group": IMPORTED_LOG_GROUP}),
    ("an imported key", {"encryption_key": IMPORTED_KEY}),
    ("a queue", {"dead_letter_queue": QUEUE}),
    ("a topic", {"dead_letter_topic": TOPIC}),
    ("an enum member", {"log_retention": logs.RetentionDays.ONE_YEAR}),
    ("a Duration", {"timeout": Duration.seconds(30)}),
    ("seconds", {"timeout": 30}),
    ("a number token", {"memory_size": Token.as_number({"Ref": "Memory"})}),
    ("a whole number where a number goes", {"utilization_target": 1}),
    ("a Size", {"ephemeral_storage_size": Size.gibibytes(1)}),
    ("a list of strings", {"consumer_accounts": ["222222222222"]}),
    ("a tuple of strings", {"consumer_accounts": ("222222222222",)}),
    ("a list token", {"consumer_accounts": Token.as_list({"Ref": "Accounts"})}),
    ("a string token", {"image": Token.as_string({"Ref": "Image"})}),
    ("None where optional", {"command": None}),
    ("a dict of strings", {"environment": {"A": "b"}}),
    ("a literal", {"architecture": "arm64"}),
    ("any string for a literal of strings (the construct says which)", {"architecture": "arm65"}),
    ("a jsii class", {"architecture": lambda_.Architecture.ARM_64}),
    ("a struct", {"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)}),
    ("a struct as a dict", {"vpc_subnets": {"subnet_type": ec2.SubnetType.PUBLIC}}),
    ("a dict where a struct or a dict is declared", {"env": {"account": "111111111111"}}),
    ("a flag", {"enabled": False}),
]


@pytest.mark.parametrize("options", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_what_aws_cdk_lib_accepts_is_accepted(options: dict[str, Any]) -> None:
    problems = Problems()
    check_options(problems, Options, {"image": "x", **options}, ignore=())
    assert not problems, [str(p) for p in problems]


def test_a_class_of_the_users_own_implementing_an_interface_is_accepted() -> None:
    problems = Problems()
    check_options(problems, _Grantees, {"grantee": _UserGrantable()})
    check_options(problems, _Grantees, {"grantee": ROLE})  # IRole extends IGrantable
    assert not problems, [str(p) for p in problems]
    check_options(problems, _Grantees, {"grantee": object()})
    assert [p.field for p in problems] == ["grantee"]


def test_a_required_option_left_out_or_none_is_our_error_not_an_attribute_error() -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        check_arguments("ImageFunction Stack/Fn", Options, {"image": None})
    assert "image must be given: a string, got None" in str(error.value)
    with pytest.raises(LambdaImageValidationError) as error:
        check_arguments("ImageFunction Stack/Fn", Options, {})
    assert "image must be given" in str(error.value)


def test_every_wrong_option_is_reported_at_once() -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        check_arguments(
            "X", Options, {"image": 5, "role": USER, "timeout": "1", "log_retention": 30}
        )
    assert [p.field for p in error.value.problems] == [
        "image",
        "role",
        "timeout",
        "log_retention",
    ]


def test_many_wrong_items_of_one_list_are_counted_not_listed() -> None:
    problems = Problems()
    check_options(problems, Options, {"image": "x", "command": list(range(1000))})
    assert [p.field for p in problems] == [*(f"command[{i}]" for i in range(5)), "command"]
    assert "995 more items are wrong" in str(list(problems)[-1])


def _function(*, name: str, retries: int = 2, **options: Unpack[_Grantees]) -> None:
    """A signature the checker reads like a TypedDict."""


def test_a_signature_is_a_declaration_too() -> None:
    problems = Problems()
    check_options(problems, _function, {"name": 5, "retries": "2"})
    assert [p.field for p in problems] == ["name", "retries", "grantee"]
    assert "grantee must be given: an aws_iam.IGrantable" in str(list(problems)[-1])


DESCRIBED: list[tuple[Any, str]] = [
    (Sequence[str], "a list of strings"),
    (Mapping[str, str], "a dict of strings to strings"),
    (Duration | None, "a Duration (e.g. Duration.seconds(30))"),
    (Literal["a", "b"], "one of 'a', 'b'"),
    (int | float, "a number"),
    (Callable[[int], int], "a function"),
    (Sequence[lambda_.Architecture], "a list of aws_lambda.Architecture values"),
]


@pytest.mark.parametrize(("hint", "words"), DESCRIBED, ids=[w for _, w in DESCRIBED])
def test_types_are_said_in_words(hint: Any, words: str) -> None:
    assert describe(hint) == words


def _factory(*, config: iam.IRole = REQUIRED, retries: int = 2) -> None:
    """A parameter that must be given, with a default so that leaving it out is our error."""


def test_a_required_default_left_out_is_our_error_and_given_is_checked() -> None:
    # given a parameter whose default is REQUIRED
    problems = Problems()
    # when it is left out, and when it is given a value of the wrong type
    check_options(problems, _factory, {"config": REQUIRED, "retries": 2})
    check_options(problems, _factory, {"config": USER})
    # then the first says it must be given, the second what it must be
    assert [p.field for p in problems] == ["config", "config"]
    first, second = (str(p) for p in problems)
    assert first.startswith("config must be given: an aws_iam.IRole"), first
    assert second.startswith("config must be an aws_iam.IRole"), second


class _Base:
    def __init__(self, *, env: str | None = None, description: str | None = None) -> None:
        """A base class's constructor, as a Stack's is."""


class _Child(_Base):
    def __init__(self, scope: Any, id: str, *, config: str, **kwargs: Any) -> None:
        """Its own option, and ``**kwargs`` passed on to the base."""
        check_construct(_Child, scope, id, {"config": config, **kwargs}, set_here=("env",))
        super().__init__(env="set here", **kwargs)


def test_a_constructor_and_its_base_are_checked_together_before_the_base_runs() -> None:
    # given a construct whose **kwargs go to its base class, which sets env itself
    with pytest.raises(LambdaImageValidationError) as error:
        # when its own option, a base option and the option it sets are wrong or given
        _Child(_STACK, "A/B", config=5, description=5, env="mine", colour="blue")
    # then one error names each, under the path the child would have
    assert error.value.subject == "_Child Values/A--B"
    problems = {p.field: str(p) for p in error.value.problems}
    assert list(problems) == ["config", "description", "env", "colour"]
    assert "is set by _Child itself: leave it out" in problems["env"]
    assert "is not an option of _Child" in problems["colour"]
    _Child(_STACK, "C", config="x", description="accepted")  # and the right ones pass


@dataclass(frozen=True)
class _Scaling:
    max_capacity: int
    target: float = 0.7

    def __post_init__(self) -> None:
        check_fields(self)


def test_a_dataclass_checks_its_fields_when_made() -> None:
    # given a dataclass of options that checks its fields
    # when it is made with a wrong type, then it is our error naming the field
    with pytest.raises(LambdaImageValidationError) as error:
        _Scaling("5", target=1)
    assert error.value.subject == "_Scaling"
    assert [str(p) for p in error.value.problems] == [
        "max_capacity must be a whole number, got '5'"
    ]
    assert _Scaling(5, target=1).target == 1  # a whole number is a number


@pytest.mark.parametrize(
    ("scope", "id", "path"),
    [(_APP, "Stack", "Stack"), (_STACK, "Fn", "Values/Fn"), (_STACK, "a/b", "Values/a--b"),
     (None, "Fn", "Fn")],
)  # fmt: skip
def test_the_path_of_a_child_not_made_yet(scope: Any, id: str, path: str) -> None:
    assert child_path(scope, id) == path
