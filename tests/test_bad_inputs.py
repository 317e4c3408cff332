"""Bad input, driven through every way in: each case gets our one error type
(``LambdaImageValidationError``), naming the field and showing the value, and nothing else (no
jsii traceback, no deploy-time surprise).

Each table row is one bad input; the tables' sizes are what docs/bad-input.md's count reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Size, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from lambda_image_constructs import (
    ConcurrencyScaling,
    ConsumerAccount,
    Deployment,
    ImageFunction,
    ImageSource,
    LambdaImage,
    LambdaImageRepository,
    LambdaImageValidationError,
    image_publishing_synthesizer,
)
from lambda_image_constructs.compliance import register_compliance_packs
from lambda_image_constructs.org import (
    ConsumerAccountStage,
    ImageAccountStage,
    ImageFunctionStack,
    ImageRepositoryStack,
    ImageStack,
    OrgWideFunctionsStack,
    OrgWideFunctionsStage,
    PipelineStack,
    build_pipelines,
)

from .cdk_harness import (
    CONSUMER_A,
    CONSUMER_ENV,
    DIGEST,
    IMAGE_ACCOUNT,
    IMAGE_URI,
    SAMPLE,
)

FULLWIDTH_ACCOUNT = "".join(chr(0xFF10 + int(d)) for d in "222222222222")  # non-ASCII digits
ARABIC_INDIC_ACCOUNT = "".join(chr(0x0660 + int(d)) for d in "222222222222")
OTHER_PARTITION = f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com.cn/platform/x@{DIGEST}"


def function(**options: Any) -> Callable[[Stack], Any]:
    def build(stack: Stack) -> Any:
        arguments = {"image": ImageSource.from_image_uri(IMAGE_URI), "architecture": "arm64"}
        return ImageFunction(stack, "Fn", **{**arguments, **options})

    return build


def image_uri(uri: Any, **options: Any) -> Callable[[Stack], Any]:
    return lambda stack: function(image=ImageSource.from_image_uri(uri), **options)(stack)


def repository(**options: Any) -> Callable[[Stack], Any]:
    return lambda stack: LambdaImageRepository(stack, "Repo", **options)


def from_repository(tag_or_digest: Any) -> Callable[[Stack], Any]:
    def build(stack: Stack) -> Any:
        owned = LambdaImageRepository(
            Stack(stack.node.root, "Repos", env=stack.environment and None),
            "Repo",
            repository_name="platform/x",
        )
        return ImageFunction(
            stack,
            "Fn",
            image=ImageSource.from_repository(owned, tag_or_digest),
            architecture="arm64",
        )

    return build


def image(tmp: Path, **options: Any) -> Callable[[Stack], Any]:
    def build(stack: Stack) -> Any:
        arguments = {"directory": SAMPLE, "architecture": "arm64"}
        return LambdaImage(stack, "Image", **{**arguments, **options})

    return build


def latin1_dockerfile(stack: Stack) -> Any:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    (folder / "Dockerfile").write_bytes("FROM scratch\n# caf\xe9\n".encode("latin-1"))
    return LambdaImage(stack, "Image", directory=folder, architecture="arm64")


def vpc_function(**options: Any) -> Callable[[Stack], Any]:
    def build(stack: Stack) -> Any:
        vpc = ec2.Vpc(
            stack,
            "Vpc",
            max_azs=1,
            nat_gateways=0,
            restrict_default_security_group=False,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)
            ],
        )
        return function(vpc=vpc, **options)(stack)

    return build


def with_queue(**options: Any) -> Callable[[Stack], Any]:
    def build(stack: Stack) -> Any:
        queue = sqs.Queue(stack, "Mine")
        return function(dead_letter_queue=queue, **options)(stack)

    return build


def made_function(call: Callable[[ImageFunction], Any]) -> Callable[[Stack], Any]:
    return lambda stack: call(function()(stack))


def made_repository(call: Callable[[LambdaImageRepository], Any]) -> Callable[[Stack], Any]:
    return lambda stack: call(repository(repository_name="platform/x")(stack))


@dataclass(frozen=True)
class Of:
    """An option of an org stage or stack read from the generated configuration when the case
    runs (parsing it at import would cost every test run of this module)."""

    read: Callable[[Any], Any]


CONFIG = Of(lambda config: config)
WITH_PIPELINE = Of(lambda config: organisation(pipeline=True))
CONSUMER = Of(lambda config: config.consumer_accounts[0])
FUNCTIONS = Of(lambda config: config.consumer_accounts[0].functions)
REPOSITORIES = Of(lambda config: config.repositories)


def org(kind: Callable[..., Any], **options: Any) -> Callable[[Stack], Any]:
    """An org stage or stack made in the test's app, with ``options``."""

    def build(stack: Stack) -> Any:
        given = {k: v.read(organisation()) if isinstance(v, Of) else v for k, v in options.items()}
        return kind(stack.node.root, "Org", **given)

    return build


@cache
def organisation(pipeline: bool = False) -> Any:
    from lambda_image_constructs.org import parse_config

    document = _config(_set("pipeline", PIPELINE) if pipeline else lambda document: None)
    return parse_config(document, "org.yaml")


# (case id, builder, field the error names, text of the value it shows)
API: list[tuple[str, Callable[[Stack], Any], str, str]] = [
    # memory, /tmp, timeout: ranges, types, units
    ("memory too small", function(memory_size=127), "memory_size", "127"),
    ("memory too large", function(memory_size=10_241), "memory_size", "10241"),
    ("memory as text", function(memory_size="512"), "memory_size", "'512'"),
    ("memory as bool", function(memory_size=True), "memory_size", "True"),
    ("memory fractional", function(memory_size=512.5), "memory_size", "512.5"),
    ("memory -inf", function(memory_size=float("-inf")), "memory_size", "-inf"),
    ("memory NaN", function(memory_size=float("nan")), "memory_size", "nan"),
    ("memory None", function(memory_size=None), "memory_size", "None"),
    ("/tmp too small", function(ephemeral_storage_size=511), "ephemeral_storage_size", "511"),
    ("/tmp too large", function(ephemeral_storage_size=Size.gibibytes(11)),
     "ephemeral_storage_size", "11264"),
    ("/tmp as text", function(ephemeral_storage_size="1024"), "ephemeral_storage_size", "'1024'"),
    ("/tmp None", function(ephemeral_storage_size=None), "ephemeral_storage_size", "None"),
    ("/tmp in KiB", function(ephemeral_storage_size=Size.kibibytes(600_000)),
     "ephemeral_storage_size", "KiB"),
    ("timeout zero", function(timeout=0), "timeout", "0"),
    ("timeout too long", function(timeout=901), "timeout", "901"),
    ("timeout Duration too long", function(timeout=Duration.minutes(16)), "timeout", "960"),
    ("timeout as text", function(timeout="30"), "timeout", "'30'"),
    ("timeout None", function(timeout=None), "timeout", "None"),
    ("timeout in ms", function(timeout=Duration.millis(1500)), "timeout", "1 second 500 millis"),
    ("timeout fractional", function(timeout=1.5), "timeout", "1.5"),
    ("reserved negative", function(reserved_concurrent_executions=-1),
     "reserved_concurrent_executions", "-1"),
    ("reserved 10**12", function(reserved_concurrent_executions=10**12),
     "reserved_concurrent_executions", "1000000000000"),
    ("reserved bool", function(reserved_concurrent_executions=True),
     "reserved_concurrent_executions", "True"),
    ("reserved text", function(reserved_concurrent_executions="5"),
     "reserved_concurrent_executions", "'5'"),
    # environment
    ("env key starts with digit", function(environment={"1A": "x"}), "environment['1A']", "'1A'"),
    ("env key one letter", function(environment={"A": "x"}), "environment['A']", "'A'"),
    ("env key reserved", function(environment={"AWS_REGION": "x"}), "environment['AWS_REGION']",
     "'AWS_REGION'"),
    ("env key with dash", function(environment={"MY-KEY": "x"}), "environment['MY-KEY']",
     "'MY-KEY'"),
    ("env key not text", function(environment={5: "x"}), "environment[5]", "5"),
    ("env value not text", function(environment={"KEY": 5}), "environment['KEY']", "5"),
    ("env value None", function(environment={"KEY": None}), "environment['KEY']", "None"),
    ("env as list", function(environment=["A=1"]), "environment", "['A=1']"),
    ("env as text", function(environment="A=1"), "environment", "'A=1'"),
    ("env over 4 KB", function(environment={"BIG": "x" * 5000}), "environment", "5,003 bytes"),
    # image configuration
    ("entrypoint as text", function(entrypoint="python app.py"), "entrypoint",
     "'python app.py'"),
    ("entrypoint empty", function(entrypoint=[]), "entrypoint", "[]"),
    ("entrypoint relative", function(entrypoint=["python3", "-m", "x"]), "entrypoint[0]",
     "'python3'"),
    ("entrypoint empty item", function(entrypoint=["/bin/sh", ""]), "entrypoint[1]", "''"),
    ("entrypoint repeated item", function(entrypoint=["/bin/sh", "-c", "-c"]), "entrypoint[2]",
     "'-c'"),
    ("entrypoint numbers", function(entrypoint=[1, 2]), "entrypoint[1]", "2"),
    ("entrypoint number", function(entrypoint=5), "entrypoint", "5"),
    ("entrypoint too long", function(entrypoint=["/x", *map(str, range(1500))]), "entrypoint",
     "1501 items"),
    ("command as text", function(command="app.handler"), "command", "'app.handler'"),
    ("command empty", function(command=[]), "command", "[]"),
    ("command repeated item", function(command=["a", "b", "a"]), "command[2]", "'a'"),
    ("command None item", function(command=[None]), "command[0]", "None"),
    ("workdir relative", function(working_directory="app"), "working_directory", "'app'"),
    ("workdir too long", function(working_directory="/" + "x" * 1000), "working_directory",
     "1001 characters"),
    ("workdir number", function(working_directory=5), "working_directory", "5"),
    # names, description, architecture
    ("name with space", function(function_name="my function"), "function_name", "'my function'"),
    ("name too long", function(function_name="x" * 65), "function_name", "'xxxx"),
    ("name empty", function(function_name=""), "function_name", "''"),
    ("name number", function(function_name=5), "function_name", "5"),
    ("description too long", function(description="x" * 257), "description", "'xxx"),
    ("description number", function(description=5), "description", "5"),
    ("architecture typo", function(architecture="arm65"), "architecture", "'arm65'"),
    ("architecture x86", function(architecture="x86"), "architecture", "'x86'"),
    ("architecture two", function(architecture="linux/arm64,linux/amd64"), "architecture",
     "'linux/arm64,linux/amd64'"),
    ("architecture number", function(architecture=5), "architecture", "5"),
    # image sources
    ("uri not a uri", image_uri("not-a-uri"), "image.image_uri", "'not-a-uri'"),
    ("uri number", image_uri(5), "image_uri", "5"),
    ("uri other partition", image_uri(OTHER_PARTITION), "image.image_uri", "amazonaws.com.cn"),
    ("uri fullwidth account", image_uri(IMAGE_URI.replace(IMAGE_ACCOUNT, FULLWIDTH_ACCOUNT)),
     "image.image_uri", FULLWIDTH_ACCOUNT[:4]),
    ("uri short digest", image_uri(IMAGE_URI.replace(DIGEST, "sha256:abc")), "image.image_uri",
     "sha256:abc"),
    ("uri bad tag", image_uri(IMAGE_URI.replace(f"@{DIGEST}", ":-tag")), "image.image_uri",
     "-tag"),
    ("uri other region", image_uri(IMAGE_URI.replace("us-east-1", "eu-west-1")), "image",
     "eu-west-1"),
    ("uri architecture", lambda stack: function(image=ImageSource.from_image_uri(
        IMAGE_URI, architecture="sparc"))(stack), "image.architecture", "'sparc'"),
    ("repository tag with space", from_repository("bad tag"), "image.tag_or_digest",
     "'bad tag'"),
    ("repository short digest", from_repository("sha256:short"), "image.tag_or_digest",
     "'sha256:short'"),
    ("repository tag number", from_repository(5), "tag_or_digest", "5"),
    # async invocation, network, rollout
    ("retries 3", function(retry_attempts=3), "retry_attempts", "3"),
    ("retries negative", function(retry_attempts=-1), "retry_attempts", "-1"),
    ("event age too short", function(max_event_age=Duration.seconds(59)), "max_event_age", "59"),
    ("event age too long", function(max_event_age=Duration.hours(7)), "max_event_age", "25200"),
    ("subnets without vpc", function(vpc_subnets=ec2.SubnetSelection()), "vpc_subnets",
     "SubnetSelection"),
    ("public subnets only", vpc_function(), "vpc", "no private subnets"),
    ("outbound without vpc", function(allow_all_outbound=False), "allow_all_outbound", "False"),
    ("ipv6 without vpc", function(ipv6_allowed_for_dual_stack=True),
     "ipv6_allowed_for_dual_stack", "True"),
    ("alias digits", function(alias="123"), "alias", "'123'"),
    ("alias with space", function(alias="my alias"), "alias", "'my alias'"),
    ("deployment type", function(deployment=Deployment("blue-green")), "deployment.type",
     "'blue-green'"),
    ("canary 0 %", function(deployment=Deployment.canary(percent=0, interval=5)),
     "deployment.percent", "0"),
    ("linear 100 %", function(deployment=Deployment.linear(percent=100, interval=5)),
     "deployment.percent", "100"),
    ("canary percent text", lambda stack: Deployment.canary(percent="10", interval=5),
     "percent", "'10'"),
    ("interval seconds", function(deployment=Deployment.canary(percent=10,
                                                               interval=Duration.seconds(90))),
     "deployment.interval", "1 minute 30 seconds"),
    ("interval 0", function(deployment=Deployment.canary(percent=10, interval=0)),
     "deployment.interval", "0"),
    ("interval 3 days", function(deployment=Deployment.linear(percent=10,
                                                              interval=Duration.days(3))),
     "deployment.interval", "4320"),
    ("deployment text", function(deployment="canary"), "deployment", "'canary'"),
    ("provisioned 0", function(provisioned_concurrency=0), "provisioned_concurrency", "0"),
    ("provisioned bool", function(provisioned_concurrency=True), "provisioned_concurrency",
     "True"),
    ("provisioned above reserved", function(provisioned_concurrency=20,
                                            reserved_concurrent_executions=10),
     "provisioned_concurrency", "20"),
    ("provisioned with SnapStart", function(provisioned_concurrency=2,
                                            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS),
     "provisioned_concurrency", "2"),
    ("scaling without provisioned", function(
        provisioned_concurrency_scaling=ConcurrencyScaling(max_capacity=5)),
     "provisioned_concurrency_scaling", "'given'"),
    ("scaling max below min", function(provisioned_concurrency=4,
                                       provisioned_concurrency_scaling=ConcurrencyScaling(2)),
     "provisioned_concurrency_scaling.max_capacity", "2"),
    ("scaling target 0.95", function(provisioned_concurrency=1,
                                     provisioned_concurrency_scaling=ConcurrencyScaling(
                                         5, utilization_target=0.95)),
     "provisioned_concurrency_scaling.utilization_target", "0.95"),
    ("SnapStart with 1 GB /tmp", function(snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
                                          ephemeral_storage_size=1024),
     "snap_start", "ON_PUBLISHED_VERSIONS"),
    ("queue disabled and given", with_queue(dead_letter_queue_enabled=False),
     "dead_letter_queue_enabled", "False"),
    ("empty acknowledgement reason", function(acknowledgements={"NIST.800.53.R5-LambdaInsideVPC":
                                                                 " "}),
     "acknowledgements['NIST.800.53.R5-LambdaInsideVPC']", "' '"),
    ("acknowledgement reason number",
     function(acknowledgements={"Serverless-SQSRedrivePolicy": 5}),
     "acknowledgements['Serverless-SQSRedrivePolicy']", "5"),
    ("acknowledgement of no built-in rule", function(acknowledgements={"AwsSolutions-SQS4": None}),
     "acknowledgements", "'AwsSolutions-SQS4'"),
    ("option that does not exist", function(memroy_size=1024), "memroy_size", "1024"),
    # options Lambda refuses for images
    ("layers", function(layers=["layer"]), "layers", "list"),
    ("code signing", function(code_signing_config="csc"), "code_signing_config", "'csc'"),
    ("runtime management", function(runtime_management_mode="auto"), "runtime_management_mode",
     "'auto'"),
    ("insights", function(insights_version="1.0"), "insights_version", "'1.0'"),
    ("profiling", function(profiling=True), "profiling", "True"),
    ("log retention role", function(log_retention_role="role"), "log_retention_role", "'role'"),
    # repositories
    ("consumer account short", repository(consumer_accounts=["12345"]),
     "consumer_accounts[0].account_id", "'12345'"),
    ("consumer account fullwidth", repository(consumer_accounts=[FULLWIDTH_ACCOUNT]),
     "consumer_accounts[0].account_id", FULLWIDTH_ACCOUNT[:4]),
    ("consumer account Arabic-Indic", repository(consumer_accounts=[ARABIC_INDIC_ACCOUNT]),
     "consumer_accounts[0].account_id", ARABIC_INDIC_ACCOUNT[:4]),
    ("consumer account letters", repository(consumer_accounts=["abcdefghijkl"]),
     "consumer_accounts[0].account_id", "'abcdefghijkl'"),
    ("consumer pattern with slash", repository(
        consumer_accounts=[ConsumerAccount(CONSUMER_A, "pay/ments")]),
     "consumer_accounts[0].function_name_pattern", "'pay/ments'"),
    ("organization short", repository(organization_id="o-abc"), "organization_id", "'o-abc'"),
    ("organization upper", repository(organization_id="o-ABCDEFGHIJ"), "organization_id",
     "'o-ABCDEFGHIJ'"),
    ("repository name upper", repository(repository_name="Platform/Images"), "repository_name",
     "'Platform/Images'"),
    ("repository name one char", repository(repository_name="a"), "repository_name", "'a'"),
    ("repository name double slash", repository(repository_name="a//b"), "repository_name",
     "'a//b'"),
    ("expiry 0 days", repository(untagged_image_expiry_days=0), "untagged_image_expiry_days",
     "0"),
    ("expiry as text", repository(untagged_image_expiry_days="14"), "untagged_image_expiry_days",
     "'14'"),
    ("mutable tag pattern", repository(mutable_tag_patterns=["bad tag"]),
     "mutable_tag_patterns[0]", "'bad tag'"),
    ("six mutable tag patterns", repository(mutable_tag_patterns=[f"t{i}" for i in range(6)]),
     "mutable_tag_patterns", "t5"),
    # images
    ("image folder missing", image(Path(), directory="/nonexistent"), "directory",
     "'/nonexistent'"),
    ("image Dockerfile missing", image(Path(), file="Nope.Dockerfile"), "file",
     "'Nope.Dockerfile'"),
    ("image architecture", image(Path(), architecture="arm65"), "architecture", "'arm65'"),
    ("image Dockerfile not UTF-8", lambda stack: latin1_dockerfile(stack), "file",
     "'Dockerfile'"),
    # rollout and consumer values made directly
    ("scaling capacity text", lambda stack: ConcurrencyScaling("5"), "max_capacity", "'5'"),
    ("scaling minimum fraction", lambda stack: ConcurrencyScaling(5, min_capacity=1.5),
     "min_capacity", "1.5"),
    ("scaling target text", lambda stack: ConcurrencyScaling(5, utilization_target="70%"),
     "utilization_target", "'70%'"),
    ("deployment type number", lambda stack: Deployment(5), "type", "5"),
    ("deployment percent text", lambda stack: Deployment("canary", "10", 5), "percent", "'10'"),
    ("deployment alarm name as alarms", lambda stack: Deployment("all-at-once",
                                                                 alarms="HighErrors"),
     "alarms", "'HighErrors'"),
    ("deployment hook text", lambda stack: Deployment("all-at-once", pre_traffic_hook="check"),
     "pre_traffic_hook", "'check'"),
    ("with_config without config", lambda stack: Deployment.with_config(), "config", "None"),
    ("with_config config name", lambda stack: Deployment.with_config(
        "CodeDeployDefault.LambdaAllAtOnce"), "config", "'CodeDeployDefault.LambdaAllAtOnce'"),
    ("canary without percent", lambda stack: Deployment.canary(interval=5), "percent", "None"),
    ("consumer account number", lambda stack: ConsumerAccount(222222222222), "account_id",
     "222222222222"),
    ("consumer patterns as list", lambda stack: ConsumerAccount(CONSUMER_A, ["pay*"]),
     "function_name_pattern", "['pay*']"),
    # methods of a function and of a repository
    ("add_environment value number", made_function(lambda fn: fn.add_environment("KEY", 5)),
     "value", "5"),
    ("add_environment key list", made_function(lambda fn: fn.add_environment(["KEY"], "x")),
     "key", "['KEY']"),
    ("add_environment edge text", made_function(
        lambda fn: fn.add_environment("KEY", "x", remove_in_edge="yes")), "remove_in_edge",
     "'yes'"),
    ("acknowledge rule number", made_function(lambda fn: fn.acknowledge(5, "a reason")),
     "rule_id", "5"),
    ("acknowledge reasons as list", made_function(
        lambda fn: fn.acknowledge("AwsSolutions-IAM5", ["why"])), "reason", "['why']"),
    ("in_region list", made_repository(lambda repo: repo.in_region(["eu-west-1"])), "region",
     "['eu-west-1']"),
    ("in_region without a copy", made_repository(lambda repo: repo.in_region("eu-west-1")),
     "region", "'eu-west-1'"),
    ("qualifier number", made_repository(lambda repo: repo.allow_cdk_asset_publishing(
        qualifier=5)), "qualifier", "5"),
    ("qualifier upper case", made_repository(lambda repo: repo.allow_cdk_asset_publishing(
        qualifier="Custom")), "qualifier", "'Custom'"),
    # the organisation's stages and stacks
    ("image stage config file name", org(ImageAccountStage, config="platform.yaml"), "config",
     "'platform.yaml'"),
    ("image stage env", org(ImageAccountStage, config=CONFIG, env=CONSUMER_ENV), "env",
     "Environment"),
    ("image stage outdir number", org(ImageAccountStage, config=CONFIG, outdir=5), "outdir",
     "5"),
    ("image stage repositories missing one", org(ImageAccountStage, config=CONFIG,
                                                 repositories={}),
     "repositories['platform/lambda-images']", "None"),
    ("consumer stage consumer as dict", org(ConsumerAccountStage, consumer={"name": "x"},
                                            images={}),
     "consumer", "{'name': 'x'}"),
    ("consumer stage images as list", org(ConsumerAccountStage, consumer=CONSUMER, images=[]),
     "images", "[]"),
    ("consumer stage image missing", org(ConsumerAccountStage, consumer=CONSUMER, images={}),
     "images['service']", "None"),
    ("functions stack one function", org(ImageFunctionStack, functions=Of(
        lambda config: config.consumer_accounts[0].functions[0]), images={}),
     "functions", "FunctionSpec"),
    ("functions stack description", org(ImageFunctionStack, functions=FUNCTIONS, images={},
                                        description=5),
     "description", "5"),
    ("functions stack env dict misspelt", org(ImageFunctionStack, functions=FUNCTIONS, images={},
                                              env={"acount": CONSUMER_A}),
     "env", "{'acount': '222222222222'}"),
    ("repositories stack names as text", org(ImageRepositoryStack, repositories="platform/x",
                                             consumer_account_ids={}),
     "repositories", "'platform/x'"),
    ("repositories stack consumer missing", org(ImageRepositoryStack, repositories=REPOSITORIES,
                                                consumer_account_ids={}),
     "consumer_account_ids['workload-000']", "None"),
    ("image stack repository name", org(ImageStack, repository="platform/x", images=[]),
     "repository", "'platform/x'"),
    ("image stack synthesizer", org(ImageStack, repository="platform/x", images=[],
                                    synthesizer=None),
     "synthesizer", "None"),
    ("org-wide stack images as list", org(OrgWideFunctionsStack, block=None, images=[]),
     "images", "[]"),
    ("org-wide stage block text", org(OrgWideFunctionsStage, config=CONFIG, block="all",
                                      images={}),
     "block", "'all'"),
    ("pipeline without pipeline block", org(PipelineStack, config=CONFIG, cli_version="2.1"),
     "config.pipeline", "None"),
    ("pipeline CLI version number", org(PipelineStack, config=WITH_PIPELINE, cli_version=2),
     "cli_version", "2"),
    ("pipeline number 0", org(PipelineStack, config=WITH_PIPELINE, cli_version="2.1",
                              number=0),
     "number", "0"),
    ("build_pipelines config text", lambda stack: build_pipelines(
        stack.node.root, "platform.yaml", "2.1"), "config", "'platform.yaml'"),
    ("build_pipelines without pipeline block", lambda stack: build_pipelines(
        stack.node.root, organisation(), "2.1"), "config.pipeline", "None"),
    # compliance packs
    ("packs as text", lambda stack: register_compliance_packs(stack.node.root, "AwsSolutions"),
     "packs", "'AwsSolutions'"),
    ("packs of a stack", lambda stack: register_compliance_packs(stack), "app", "Stack (Bad)"),
    ("unknown pack", lambda stack: register_compliance_packs(stack.node.root, ["AwsSolution"]),
     "packs[0]", "'AwsSolution'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "field", "shown"), [case[1:] for case in API], ids=[case[0] for case in API]
)
def test_bad_api_input_is_one_clear_error(
    build: Callable[[Stack], Any], field: str, shown: str
) -> None:
    app = App()
    stack = Stack(app, "Bad", env=CONSUMER_ENV)
    with pytest.raises(LambdaImageValidationError) as error:
        build(stack)
    fields = [p.field for p in error.value.problems]
    assert field in fields, str(error.value)
    problem = next(p for p in error.value.problems if p.field == field)
    assert shown in str(problem), str(problem)
    assert len(str(problem)) < 1_000


def test_what_aws_cdk_lib_accepts_at_these_entry_points_stays_accepted() -> None:
    # given values aws-cdk-lib takes: tokens, imported resources, a whole number where a
    # number goes, a tuple where a list goes, a dict for a struct
    app = App()
    stack = Stack(app, "Good", env=CONSUMER_ENV)
    alarm = cloudwatch.Alarm.from_alarm_name(stack, "Alarm", "HighErrors")
    # when each entry point checked by construction is given them, then none is refused
    ConcurrencyScaling(Token.as_number({"Ref": "Max"}), min_capacity=0, utilization_target=1)
    Deployment("canary", 10, Duration.minutes(5), alarms=(alarm,), pre_traffic_hook=None)
    Deployment.with_config(codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE, alarms=[alarm])
    ConsumerAccount(Token.as_string({"Ref": "Account"}), function_name_pattern="pay-*")
    fn = function()(stack)
    fn.add_environment("STAGE", Token.as_string({"Ref": "Stage"}), remove_in_edge=None)
    fn.acknowledge("AwsSolutions-IAM5[Resource::*]", "Reads every object of the reports bucket.")
    repo = repository(repository_name="platform/x")(stack)
    assert repo.in_region("us-east-1") is repo
    assert "cdk-custom1-image-publishing-role" in repo.allow_cdk_asset_publishing(
        qualifier="custom1"
    )
    register_compliance_packs(app, ("AwsSolutions",))
    functions = ImageFunctionStack(app, "Functions", functions=(), images={},
                                   env={"account": CONSUMER_A, "region": "us-east-1"},
                                   description="No functions yet")  # fmt: skip
    repos = ImageRepositoryStack(app, "Repos", repositories=[], consumer_account_ids={},
                                 env=CONSUMER_ENV, termination_protection=True)  # fmt: skip
    assert functions.region == "us-east-1" and repos.termination_protection


def test_a_huge_value_is_quoted_cut_to_a_readable_length() -> None:
    stack = Stack(App(), "Bad", env=CONSUMER_ENV)
    with pytest.raises(LambdaImageValidationError) as error:
        function(entrypoint=["/bin/sh", *(["x"] * 10)], command=["y" * 10_000_000] * 2)(stack)
    lines = str(error.value).splitlines()
    assert len(lines) == 11  # the header and each of the ten problems, one line each
    assert all(len(line) < 400 for line in lines)


def test_a_published_image_needs_the_publishing_synthesizer() -> None:
    app = App()
    repos = Stack(app, "Repos", env=CONSUMER_ENV)
    repo = LambdaImageRepository(repos, "Repo", repository_name="platform/x")
    images = Stack(app, "Images", env=CONSUMER_ENV)  # not image_publishing_synthesizer
    with pytest.raises(LambdaImageValidationError) as error:
        LambdaImage(images, "Image", directory=SAMPLE, architecture="arm64", repository=repo)
    assert "image_publishing_synthesizer('platform/x')" in str(error.value)
    assert image_publishing_synthesizer  # the fix the message names


def _config(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    from stacks.generate import org_config

    document = org_config(2, 2)
    change(document)
    return document


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        target: Any = document
        *parents, last = path.split(".")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return change


FN = "consumerAccounts.0.functions.0"
CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/x"
PIPELINE = {"account": "111111111111", "branch": "main", "connectionArn": CONNECTION,
            "repository": "o/r"}  # fmt: skip
# (case id, change to a valid generated configuration, key path in the error, value text)
CONFIGURATION: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("image account short", _set("imageAccount.account", "1111"), "imageAccount.account", "1111"),
    ("image account fullwidth", _set("imageAccount.account", FULLWIDTH_ACCOUNT),
     "imageAccount.account", FULLWIDTH_ACCOUNT[:3]),
    ("image region", _set("imageAccount.region", "mars-1"), "imageAccount.region", "mars-1"),
    ("repository name", _set("repositories.0.name", "Platform"), "repositories[0].name",
     "Platform"),
    ("repository consumer unknown", _set("repositories.0.consumers", ["ghost"]),
     "repositories[0].consumers[0]", "ghost"),
    ("organization id", _set("repositories.0.organizationId", "o-x"),
     "repositories[0].organizationId", "o-x"),
    ("repository region twice", _set("repositories.0.regions", ["eu-west-1", "eu-west-1"]),
     "repositories[0].regions[1]", "eu-west-1"),
    ("image architecture", _set("images.0.architecture", "amd64"), "images[0].architecture",
     "amd64"),
    ("image folder", _set("images.0.directory", "no/such/folder"), "images[0].directory",
     "no/such/folder"),
    ("image file number", _set("images.0.file", 5), "images[0].file", "5"),
    ("image repository unknown", _set("images.0.repository", "other/repo"),
     "images[0].repository", "other/repo"),
    ("consumer account", _set("consumerAccounts.0.account", "abc"), "consumerAccounts[0].account",
     "abc"),
    ("consumer is image account", _set("consumerAccounts.0.account", "111111111111"),
     "consumerAccounts[0].account", "111111111111"),
    ("consumer region without copy", _set("consumerAccounts.0.region", "ap-south-1"),
     "consumerAccounts[0].region", "ap-south-1"),
    ("wave zero", _set("consumerAccounts.0.wave", 0), "consumerAccounts[0].wave", "0"),
    ("function stacks zero", _set("consumerAccounts.0.functionStacks", 0),
     "consumerAccounts[0].functionStacks", "0"),
    ("function name", _set(f"{FN}.name", "Bad Name"), "consumerAccounts[0].functions[0].name",
     "Bad Name"),
    ("function image unknown", _set(f"{FN}.image", "nope"),
     "consumerAccounts[0].functions[0].image", "nope"),
    ("function memory", _set(f"{FN}.memorySize", 64), "consumerAccounts[0].functions[0].memorySize",
     "64"),
    ("function memory text", _set(f"{FN}.memorySize", "512"),
     "consumerAccounts[0].functions[0].memorySize", "512"),
    ("function timeout", _set(f"{FN}.timeoutSeconds", 901),
     "consumerAccounts[0].functions[0].timeoutSeconds", "901"),
    ("function /tmp", _set(f"{FN}.ephemeralStorageSize", 100),
     "consumerAccounts[0].functions[0].ephemeralStorageSize", "100"),
    ("function command text", _set(f"{FN}.command", "app.handler"),
     "consumerAccounts[0].functions[0].command", "app.handler"),
    ("function entrypoint relative", _set(f"{FN}.entrypoint", ["python3"]),
     "consumerAccounts[0].functions[0].entrypoint[0]", "python3"),
    ("function environment list", _set(f"{FN}.environment", ["A=1"]),
     "consumerAccounts[0].functions[0].environment", "A=1"),
    ("function environment reserved", _set(f"{FN}.environment", {"AWS_REGION": "x"}),
     "consumerAccounts[0].functions[0].environment['AWS_REGION']", "AWS_REGION"),
    ("function workdir", _set(f"{FN}.workingDirectory", "rel"),
     "consumerAccounts[0].functions[0].workingDirectory", "rel"),
    ("function alias", _set(f"{FN}.alias", "007"), "consumerAccounts[0].functions[0].alias",
     "007"),
    ("deployment type", _set(f"{FN}.deployment", {"type": "big-bang"}),
     "consumerAccounts[0].functions[0].deployment.type", "big-bang"),
    ("deployment percent", _set(f"{FN}.deployment", {"type": "canary", "percent": 100,
                                                     "minutes": 5}),
     "consumerAccounts[0].functions[0].deployment.percent", "100"),
    ("deployment minutes missing", _set(f"{FN}.deployment", {"type": "linear", "percent": 10}),
     "consumerAccounts[0].functions[0].deployment.minutes", "None"),
    ("provisioned zero", _set(f"{FN}.provisionedConcurrency", 0),
     "consumerAccounts[0].functions[0].provisionedConcurrency", "0"),
    ("unknown key", _set(f"{FN}.memory", 512), "consumerAccounts[0].functions[0].memory", "512"),
    ("pipeline branch empty", _set("pipeline", {"account": "111111111111", "branch": "",
                                                "connectionArn": CONNECTION,
                                                "repository": "o/r"}),
     "pipeline.branch", "''"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "shown"),
    [case[1:] for case in CONFIGURATION],
    ids=[case[0] for case in CONFIGURATION],
)
def test_bad_configuration_is_one_clear_error_with_its_key_path(
    change: Callable[[dict[str, Any]], None], field: str, shown: str
) -> None:
    from lambda_image_constructs.org import parse_config

    with pytest.raises(LambdaImageValidationError) as error:
        parse_config(_config(change), "org.yaml")
    assert str(error.value).startswith("configuration org.yaml:")
    problem = next((p for p in error.value.problems if p.field == field), None)
    assert problem is not None, str(error.value)
    assert shown in str(problem), str(problem)


def test_the_tables_hold_at_least_150_bad_inputs() -> None:
    # counted in docs/bad-input.md: the API and configuration tables here, the CLI's in
    # tests/test_local_cli_bad_inputs.py
    assert len(API) + len(CONFIGURATION) >= 150
