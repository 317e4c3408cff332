"""The org-wide pipeline: CDK Pipelines deploying the image account, then the consumer accounts
in waves."""

from __future__ import annotations

from typing import Any

from aws_cdk import (
    Acknowledgment,
    Duration,
    Environment,
    RemovalPolicy,
    Stack,
    Stage,
    Validations,
    pipelines,
)
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from lambda_image_constructs import LambdaImage
from lambda_image_constructs.compliance import skip_checkov
from lambda_image_constructs.errors import Problems
from lambda_image_constructs.limits import STAGE_ACTIONS
from lambda_image_constructs.option_types import check_arguments, check_construct, child_path
from lambda_image_constructs.quotas import register_quota_checks

from .config import AppConfig, OrgWideFunctionsSpec, PipelineSpec
from .image_repository_stack import ImageRepositories, ImageRepositoryStack
from .org_wide import OrgWideFunctionsStage
from .stages import (
    ConsumerAccountStage,
    ImageAccountStage,
    regions_of,
    repositories_in,
    stack_id,
)

PIPELINE_CONTEXT_KEY = "pipeline"
# The cdk-assets release that publishes the images (CDK Pipelines installs the latest by
# default, so a run could change how images are built without a change of ours).
CDK_ASSETS_VERSION = "4.7.3"
# How images are built in CodeBuild, as `cdk deploy` builds them here (lambda-images-docker):
# no default provenance attestations, so what is pushed is one image manifest, never the OCI
# index Lambda refuses.
IMAGE_BUILD_ENVIRONMENT = {"BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}


PIPELINE_ID = "LambdaImagePipeline"
# The EventBridge event CodePipeline sends when a run ends.
EXECUTION_STATE_CHANGE = "CodePipeline Pipeline Execution State Change"


def pipeline_number(wave: int, waves_per_pipeline: int) -> int:
    """The pipeline that deploys ``wave``: waves 1 to ``waves_per_pipeline`` the first, and so
    on. It follows from the wave number alone, so adding an account never moves another."""
    return (wave - 1) // waves_per_pipeline + 1


def pipeline_id(number: int) -> str:
    """The stack ID and the CodePipeline name of pipeline ``number``."""
    return PIPELINE_ID if number == 1 else f"{PIPELINE_ID}-{number}"


def build_pipelines(scope: Construct, config: AppConfig, cli_version: str) -> list[PipelineStack]:
    """The organisation's pipelines: the first builds and publishes the images and deploys the
    image account and its waves; each next one deploys its waves once the one before it
    succeeded, so wave order holds across them."""
    given = {"config": config, "cli_version": cli_version}
    check_arguments("build_pipelines", build_pipelines, given)
    per_pipeline = pipeline_of(config, "build_pipelines").waves_per_pipeline
    numbers = sorted({1, *(pipeline_number(n, per_pipeline) for n, _ in config.waves())})
    numbers = sorted(
        {*numbers, *(pipeline_number(b.wave, per_pipeline) for b in config.org_wide_functions)}
    )
    stacks: list[PipelineStack] = []
    for number in numbers:
        stacks.append(
            PipelineStack(
                scope,
                pipeline_id(number),
                config=config,
                cli_version=cli_version,
                number=number,
                follows=stacks[-1] if stacks else None,
            )
        )
    return stacks


def pipeline_of(config: AppConfig, subject: str, number: int = 1) -> PipelineSpec:
    """The configuration's ``pipeline`` block, which a pipeline needs; ``number`` from 1."""
    problems = Problems()
    if config.pipeline is None:
        problems.add("config.pipeline", None, "must be given (a pipeline: block) for a pipeline")
    if number < 1:
        problems.add("number", number, "must be at least 1 (the first pipeline is 1)")
    problems.raise_if_any(subject)
    assert config.pipeline is not None
    return config.pipeline


class PipelineStack(Stack):
    """One of the organisation's pipelines (CDK Pipelines) in the image account.

    Order of the first pipeline's run: the source; synth (``make synth`` with
    ``-c pipeline=true``); the pipeline updates itself, which deploys this stack and so the
    image repositories it holds; all image assets are published into those repositories; the
    image account's stage; then each of its waves of consumer accounts, the accounts of a wave
    in parallel. A later pipeline (``follows``) is not started by the source but by the
    previous pipeline's success (an EventBridge rule on CodePipeline's execution state), and
    runs the same steps for its own waves, without images.

    The repositories live here, not in the image account's stage, because CDK Pipelines
    publishes every asset before its first stage: only the self-mutation step runs earlier.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: AppConfig,
        cli_version: str,
        number: int = 1,
        follows: PipelineStack | None = None,
        **kwargs: Any,
    ) -> None:
        given = {"config": config, "cli_version": cli_version, "number": number, "follows": follows}
        check_construct(PipelineStack, scope, id, {**given, **kwargs}, set_here=("env",))
        spec = pipeline_of(config, f"PipelineStack {child_path(scope, id)}", number)
        super().__init__(
            scope,
            id,
            env=Environment(account=spec.environment.account, region=spec.environment.region),
            **kwargs,
        )
        register_quota_checks(self)
        self.number = number
        self.images: dict[str, list[LambdaImage]] = follows.images if follows else {}
        """Every Region's copy of each image, by name (made by the first pipeline)."""
        if follows is None:
            self._make_repositories(scope, id, config)
        self.pipeline = self._make_pipeline(config, cli_version, first=follows is None)
        if follows is None:
            images = ImageAccountStage(
                self,
                "ImageAccount",
                config=config,
                repositories=self.repositories,
                regional_repositories=self.regional_repositories,
            )
            self.pipeline.add_stage(images)
            self.images = images.regional_images
        self._add_waves(config)
        # Build now rather than at synth, so the pipeline's resources exist to be checked and
        # acknowledged here.
        self.pipeline.build_pipeline()
        if follows is not None:
            self._start_after(follows)
        # Kept with the stack, as the artifact bucket is: what it encrypted stays readable.
        keys = [self.pipeline.pipeline.artifact_bucket.encryption_key] + [
            support.replication_bucket.encryption_key
            for support in self.pipeline.pipeline.cross_region_support.values()
        ]
        for key in keys:
            if key is not None:
                key.apply_removal_policy(RemovalPolicy.RETAIN)
        self._acknowledge_cdk_pipelines_findings()

    def _make_repositories(self, scope: Construct, id: str, config: AppConfig) -> None:
        consumer_ids = {c.name: c.environment.account for c in config.consumer_accounts}
        self.repositories = ImageRepositories(
            self,
            "LambdaImages",
            repositories=repositories_in(config, config.image_account.region),
            consumer_account_ids=consumer_ids,
            image_account=config.image_account,
        ).repositories
        # The other Regions' repositories: stacks of the pipeline's app that this stack depends
        # on, so that the pipeline's self-mutation (cdk deploy of this stack and what it
        # depends on) creates them before any image is published into them.
        self.regional_repositories: dict[str, dict[str, Any]] = {}
        for region in regions_of(config):
            regional = ImageRepositoryStack(
                scope,
                f"{id}-Repositories-{region}",
                env=Environment(account=config.image_account.account, region=region),
                repositories=repositories_in(config, region),
                consumer_account_ids=consumer_ids,
                image_account=config.image_account,
                description=f"ECR repositories for Lambda images in {region}, deployed by the"
                " pipeline's self-mutation before images are published",
            )
            self.add_stack_dependency(regional, "images are published into its repositories")
            self.regional_repositories[region] = regional.repositories

    def _make_pipeline(
        self, config: AppConfig, cli_version: str, *, first: bool
    ) -> pipelines.CodePipeline:
        assert config.pipeline is not None
        spec = config.pipeline
        source = pipelines.CodePipelineSource.connection(
            spec.repository,
            spec.branch,
            connection_arn=spec.connection_arn,
            # a later pipeline starts when the one before it succeeds, not on a push
            trigger_on_push=first,
        )
        return pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=pipeline_id(self.number),
            cross_account_keys=True,
            enable_key_rotation=True,
            # One CloudFormation action per stack instead of two (create a change set, then
            # execute it): half the pipeline's bytes per account and twice the accounts per
            # stage of 50 actions.
            use_change_sets=False,
            cli_version=cli_version,
            cdk_assets_cli_version=CDK_ASSETS_VERSION,
            asset_publishing_code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    environment_variables={
                        name: codebuild.BuildEnvironmentVariable(value=value)
                        for name, value in IMAGE_BUILD_ENVIRONMENT.items()
                    }
                )
            ),
            synth=pipelines.ShellStep(
                "Synth",
                input=source,
                commands=[f"make synth SYNTH_CONTEXT='-c {PIPELINE_CONTEXT_KEY}=true'"],
                primary_output_directory="cdk.out",
            ),
        )

    def _add_waves(self, config: AppConfig) -> None:
        """This pipeline's waves, in order. A wave whose stacks pass CodePipeline's actions per
        stage is spread over more stages (Wave3, Wave3-2, ...), one after the other; its
        approval comes before the first. A wave whose functions roll out through CodeDeploy
        waits for them: CloudFormation returns when the traffic has shifted or rolled back."""
        assert config.pipeline is not None
        spec = config.pipeline
        approvals = {w.wave for w in spec.waves if w.approval}
        blocks: dict[int, list[OrgWideFunctionsSpec]] = {}
        for block in config.org_wide_functions:
            blocks.setdefault(block.wave, []).append(block)
        numbers = sorted({n for n, _ in config.waves()} | set(blocks))
        consumers_of = dict(config.waves())
        for number in numbers:
            if pipeline_number(number, spec.waves_per_pipeline) != self.number:
                continue
            stages: list[Stage] = [
                ConsumerAccountStage(
                    self,
                    f"Consumer-{stack_id(consumer.name)}",
                    consumer=consumer,
                    images=self.images,
                    unsigned_images=config.image_account.signing is False,
                )
                for consumer in consumers_of.get(number, [])
            ] + [
                OrgWideFunctionsStage(self, f"OrgWide-{block.name}", config=config, block=block,
                                      images=self.images)
                for block in blocks.get(number, [])
            ]  # fmt: skip
            approval = number in approvals
            for part, chunk in enumerate(_chunks(stages, STAGE_ACTIONS - int(approval)), 1):
                wave = self.pipeline.add_wave(
                    f"Wave{number}" if part == 1 else f"Wave{number}-{part}",
                    pre=[
                        pipelines.ManualApprovalStep(
                            f"ApproveWave{number}", comment=f"Deploy wave {number}?"
                        )
                    ]
                    if approval and part == 1
                    else None,
                )
                for stage in chunk:
                    wave.add_stage(stage)

    def _start_after(self, previous: PipelineStack) -> None:
        """Start this pipeline when ``previous`` succeeds (same account and Region)."""
        dead_letters = sqs.Queue(
            self,
            "StartDeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=RemovalPolicy.RETAIN,
        )
        reason = (
            "This queue is itself a dead-letter queue: it holds the EventBridge starts of this"
            " pipeline that could not be made; nothing consumes it, so it needs no DLQ of its"
            " own."
        )
        Validations.of(dead_letters).acknowledge(
            Acknowledgment(id="AwsSolutions-SQS3", reason=reason),
            Acknowledgment(id="Serverless-SQSRedrivePolicy", reason=reason),
        )
        events.Rule(
            self,
            "AfterPreviousPipeline",
            description=f"Starts {pipeline_id(self.number)} when"
            f" {pipeline_id(previous.number)} succeeds, so wave order holds across pipelines",
            event_pattern=events.EventPattern(
                source=["aws.codepipeline"],
                detail_type=[EXECUTION_STATE_CHANGE],
                detail={"pipeline": [pipeline_id(previous.number)], "state": ["SUCCEEDED"]},
            ),
            targets=[
                targets.CodePipeline(
                    self.pipeline.pipeline,
                    # a start that EventBridge could not make waits here, two weeks
                    dead_letter_queue=dead_letters,
                )
            ],
        )

    def _acknowledge_cdk_pipelines_findings(self) -> None:
        """What CDK Pipelines generates for its own machinery and we cannot change without
        replacing it; each acknowledgement says which resource it covers and why."""
        acknowledgements = self._cdk_pipelines_reasons()
        Validations.of(self.pipeline).acknowledge(
            *(Acknowledgment(id=rule, reason=reason) for rule, reason in acknowledgements.items())
        )
        # The same decisions for checkov, on the resources, with the same reasons.
        skip_checkov(
            self.pipeline.pipeline.artifact_bucket,
            CKV_AWS_18=acknowledgements["AwsSolutions-S1"],
            CKV_AWS_21=acknowledgements["NIST.800.53.R5-S3BucketVersioningEnabled"],
        )
        self._acknowledge_cross_region_support(acknowledgements)
        self._skip_checkov_on_pipeline_roles()

    def _cdk_pipelines_reasons(self) -> dict[str, str]:
        """Each finding on CDK Pipelines' own machinery, with why it stands as configured."""
        bucket = self.get_logical_id(
            self.pipeline.pipeline.artifact_bucket.node.default_child  # type: ignore[arg-type]
        )
        synth = self.get_logical_id(self.pipeline.synth_project.node.default_child)  # type: ignore[arg-type]
        mutation = self.get_logical_id(
            self.pipeline.self_mutation_project.node.default_child  # type: ignore[arg-type]
        )
        arn = f"arn:{self.partition}"
        region, account = self.region, self.account
        artifacts = "the pipeline's own artifact bucket"
        return {
            "NIST.800.53.R5-IAMNoInlinePolicy": (
                "The roles of the pipeline's own actions (source, synth, self-mutation, asset"
                " publishing) carry the DefaultPolicy that CDK Pipelines grants them; each is"
                " bound to its one role and replaced with the pipeline."
            ),
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": (
                "kms:GenerateDataKey* is granted on the pipeline's artifact key only."
            ),
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]": (
                "kms:ReEncrypt* is granted on the pipeline's artifact key only."
            ),
            "AwsSolutions-IAM5[Action::s3:Abort*]": f"s3:Abort* applies to {artifacts} only.",
            "AwsSolutions-IAM5[Action::s3:DeleteObject*]": (
                f"s3:DeleteObject* applies to {artifacts} only."
            ),
            "AwsSolutions-IAM5[Action::s3:GetBucket*]": f"s3:GetBucket* applies to {artifacts}.",
            "AwsSolutions-IAM5[Action::s3:GetObject*]": f"s3:GetObject* applies to {artifacts}.",
            "AwsSolutions-IAM5[Action::s3:List*]": f"s3:List* applies to {artifacts} only.",
            f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/*]": (
                f"The objects of {artifacts}, which the pipeline's actions pass to each other."
            ),
            "AwsSolutions-IAM5[Resource::*]": (
                "codebuild:StartBuild/BatchGetBuilds (asset publishing), cloudformation:"
                "DescribeStacks and s3:ListBucket (self-mutation across bootstrapped accounts)"
                " name resources that only exist per run; with actions in other Regions, the"
                " pipeline role's KMS use of each Region's artifact replication key, which"
                " CodePipeline cannot reference across Regions."
            ),
            f"AwsSolutions-IAM5[Resource::arn:*:iam::{account}:role/*]": (
                "Self-mutation may assume only roles tagged aws-cdk:bootstrap-role (the CDK"
                " bootstrap roles), which the statement's condition enforces."
            ),
            f"AwsSolutions-IAM5[Resource::{arn}:codebuild:{region}:{account}:report-group/*]": (
                "The asset publishing projects' CodeBuild report groups, named per project."
            ),
            f"AwsSolutions-IAM5[Resource::{arn}:codebuild:{region}:{account}:report-group/"
            f"<{synth}>-*]": "The synth project's own CodeBuild report groups.",
            f"AwsSolutions-IAM5[Resource::{arn}:codebuild:{region}:{account}:report-group/"
            f"<{mutation}>-*]": "The self-mutation project's own CodeBuild report groups.",
            f"AwsSolutions-IAM5[Resource::{arn}:logs:{region}:{account}:log-group:"
            "/aws/codebuild/*]": "The asset publishing projects' CodeBuild log groups.",
            f"AwsSolutions-IAM5[Resource::{arn}:logs:{region}:{account}:log-group:"
            f"/aws/codebuild/<{synth}>:*]": "The log streams of the synth project's log group.",
            f"AwsSolutions-IAM5[Resource::{arn}:logs:{region}:{account}:log-group:"
            f"/aws/codebuild/<{mutation}>:*]": (
                "The log streams of the self-mutation project's log group."
            ),
            "AwsSolutions-S1": (
                f"{artifacts} holds transient run outputs that CloudTrail data events can audit;"
                " a second bucket for its access logs would itself need logging."
            ),
            "NIST.800.53.R5-S3BucketLoggingEnabled": (
                f"{artifacts} holds transient run outputs; see AwsSolutions-S1."
            ),
            "NIST.800.53.R5-S3BucketReplicationEnabled": (
                f"{artifacts} is rebuilt by every run from the source repository, which is the"
                " copy to recover from; replicating it adds no recovery point."
            ),
            "NIST.800.53.R5-S3BucketVersioningEnabled": (
                f"Each run writes new objects to {artifacts}; older runs' outputs are never read"
                " again, so versions would only accumulate."
            ),
        }

    def _skip_checkov_on_pipeline_roles(self) -> None:
        """checkov's CKV_AWS_111 on the pipeline role (cross-Region keys) and the asset
        publishing role, with the reasons of AwsSolutions-IAM5[Resource::*]."""
        if self.pipeline.pipeline.cross_region_support:
            role_policy = self.pipeline.pipeline.role.node.try_find_child("DefaultPolicy")
            if role_policy is not None:
                skip_checkov(
                    role_policy,
                    CKV_AWS_111=(
                        "The pipeline role's KMS use of the artifact replication keys of the"
                        " other Regions, which CodePipeline cannot name across Regions; see"
                        " AwsSolutions-IAM5[Resource::*]."
                    ),
                )
        docker_role = self.node.try_find_child("Pipeline")
        assets = docker_role.node.try_find_child("Assets") if docker_role else None
        role = assets.node.try_find_child("DockerRole") if assets else None
        policy = role.node.try_find_child("DefaultPolicy") if role else None
        if policy is not None:
            skip_checkov(
                policy,
                CKV_AWS_111=(
                    "The asset publishing role may start and watch the CodeBuild builds of this"
                    " pipeline's asset projects, which exist only per run; see"
                    " AwsSolutions-IAM5[Resource::*]."
                ),
            )

    def _acknowledge_cross_region_support(self, reasons: dict[str, str]) -> None:
        """CodePipeline's support stack for each other Region that actions run in (a consumer
        account there): its artifact replication bucket, with the artifact bucket's reasons,
        and the pipeline role's grant on that bucket's objects."""
        for region, support in self.pipeline.pipeline.cross_region_support.items():
            bucket = support.replication_bucket
            replication = f"the pipeline's artifact replication bucket in {region}"
            Validations.of(bucket).acknowledge(
                *(
                    Acknowledgment(
                        id=rule,
                        reason=reasons[rule].replace(
                            "the pipeline's own artifact bucket", replication
                        ),
                    )
                    for rule in (
                        "AwsSolutions-S1",
                        "NIST.800.53.R5-S3BucketLoggingEnabled",
                        "NIST.800.53.R5-S3BucketReplicationEnabled",
                        "NIST.800.53.R5-S3BucketVersioningEnabled",
                    )
                )
            )
            arn = self.resolve(bucket.bucket_arn)
            Validations.of(self.pipeline).acknowledge(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{arn}/*]",
                    reason=f"The objects of {replication}, which the pipeline's actions in"
                    f" {region} read and write.",
                )
            )
            skip_checkov(
                bucket,
                CKV_AWS_18=reasons["AwsSolutions-S1"],
                CKV_AWS_21=reasons["NIST.800.53.R5-S3BucketVersioningEnabled"],
            )


def _actions(stage: Stage) -> int:
    """The CloudFormation actions a stage adds to its wave: one per stack (no change sets)."""
    return max(1, len([c for c in stage.node.children if Stack.is_stack(c)]))


def _chunks(stages: list[Stage], room: int) -> list[list[Stage]]:
    """``stages`` in order, cut where the next would pass ``room`` actions."""
    chunks: list[list[Stage]] = [[]]
    used = 0
    for stage in stages:
        actions = _actions(stage)
        if chunks[-1] and used + actions > room:
            chunks.append([])
            used = 0
        chunks[-1].append(stage)
        used += actions
    return [chunk for chunk in chunks if chunk]
