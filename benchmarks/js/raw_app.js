// The hand-written benchmark app of benchmarks/raw_app.py, in plain JavaScript on the same
// Node: the floor that a Python CDK app (one jsii round trip per call) cannot beat. It emits the
// same templates (benchmarks/compare_templates.py --js checks that).
//
//   node benchmarks/js/raw_app.js <consumer accounts> <functions each> <outdir> <config.json>
'use strict';
const fs = require('fs');
const path = require('path');
const cdk = require('aws-cdk-lib');
const { Construct } = require('constructs');
const ecr = require('aws-cdk-lib/aws-ecr');
const ecrAssets = require('aws-cdk-lib/aws-ecr-assets');
const iam = require('aws-cdk-lib/aws-iam');
const kms = require('aws-cdk-lib/aws-kms');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const sqs = require('aws-cdk-lib/aws-sqs');
const ssm = require('aws-cdk-lib/aws-ssm');

const ROOT = path.resolve(__dirname, '..', '..');
const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
const PUBLISH = [
  'ecr:DescribeRepositories', 'ecr:DescribeImages', 'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage',
  'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer',
];
const EXCLUDE = [
  '.git', '**/.git', '**/__pycache__', '**/*.pyc', '**/.pytest_cache', '**/.mypy_cache',
  '**/.ruff_cache', '.venv', '**/.venv', 'venv', 'cdk.out', '**/cdk.out',
];

function repositoryPolicy(account, region, consumers) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'LambdaECRImageRetrievalPolicy', Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' }, Action: PULL,
        Condition: { StringLike: { 'aws:sourceARN': `arn:aws:lambda:${region}:${account}:function:*` } } },
      { Sid: 'CrossAccountPermission', Effect: 'Allow', Action: PULL,
        Principal: { AWS: consumers.map((a) => `arn:aws:iam::${a}:root`) } },
      { Sid: 'LambdaECRImageCrossAccountRetrievalPolicy', Effect: 'Allow', Action: PULL,
        Principal: { Service: 'lambda.amazonaws.com' },
        Condition: { StringLike: { 'aws:sourceARN':
          consumers.map((a) => `arn:aws:lambda:${region}:${a}:function:*`) } } },
      { Sid: 'CdkImageAssetPublishing', Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:role/cdk-hnb659fds-image-publishing-role-${account}-${region}` },
        Action: PUBLISH },
    ],
  };
}

function addFunction(stack, key, tracing, spec, uri, architecture, platform) {
  const name = spec.name;
  const fnPath = `${stack.node.path}/${name}`;
  const logGroup = new logs.LogGroup(stack, `${name}LogGroup`, {
    retention: logs.RetentionDays.ONE_YEAR, removalPolicy: cdk.RemovalPolicy.RETAIN, encryptionKey: key,
  });
  const role = new iam.Role(stack, `${name}ExecutionRole`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `Execution role of ${fnPath}`,
    managedPolicies: [tracing],
  });
  const queue = new sqs.Queue(stack, `${name}DeadLetterQueue`, {
    encryption: sqs.QueueEncryption.KMS_MANAGED, enforceSSL: true, retentionPeriod: cdk.Duration.days(14),
    removalPolicy: cdk.RemovalPolicy.RETAIN,
  });
  const executionPolicy = new iam.ManagedPolicy(role, 'ExecutionPolicy', {
    roles: [role], description: `Permissions of ${fnPath}`,
    statements: [
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    ],
  });
  const fn = new lambda.CfnFunction(new Construct(stack, name), 'Resource', {
    architectures: [architecture],
    code: { imageUri: uri },
    deadLetterConfig: { targetArn: queue.queueArn },
    environment: { variables: spec.environment },
    ephemeralStorage: { size: 512 },
    functionName: name,
    imageConfig: { command: spec.command },
    kmsKeyArn: key.keyArn,
    loggingConfig: { logGroup: logGroup.logGroupName },
    memorySize: 512,
    packageType: 'Image',
    role: role.roleArn,
    timeout: 30,
    tracingConfig: { mode: 'Active' },
  });
  // as lambda.Function does: after its role and the policy that holds its permissions
  fn.node.addDependency(executionPolicy, role);
  fn.addMetadata('lambda-image-constructs:image-platform', platform);
  fn.addMetadata('checkov', { skip: [
    { id: 'CKV_AWS_117', comment: `${fnPath} was given no vpc, so it runs in Lambda's own network with no ENIs to manage; pass vpc= to run it in one of your VPCs.` },
    { id: 'CKV_AWS_115', comment: `${fnPath} was given no reserved_concurrent_executions, so it shares the account's unreserved concurrency pool; set it to reserve and cap it.` },
  ] });
}

function build(app, config) {
  const imageEnv = config.imageAccount;
  const { account, region } = imageEnv;
  const [repositorySpec] = config.repositories;
  const [imageSpec] = config.images;
  const consumers = config.consumerAccounts.map((c) => c.account).sort();

  const imageStage = new cdk.Stage(app, 'ImageAccount', { env: imageEnv });
  const repositories = new cdk.Stack(imageStage, 'Repositories', {
    env: imageEnv, description: 'ECR repositories for Lambda images (lambda-image-constructs)',
  });
  const holder = new Construct(new Construct(repositories, 'LambdaImages'), repositorySpec.name);
  const repository = new ecr.Repository(holder, 'Resource', {
    repositoryName: repositorySpec.name,
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    imageScanOnPush: true,
    encryption: ecr.RepositoryEncryption.KMS,
    removalPolicy: cdk.RemovalPolicy.RETAIN,
    lifecycleRules: [{
      description: 'Expire untagged images 14 days after push; tagged images are never expired',
      tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: cdk.Duration.days(14),
    }],
  });
  repository.node.defaultChild.repositoryPolicyText = repositoryPolicy(account, region, consumers);

  const images = new cdk.Stack(imageStage, 'Images-platform-lambda-images', {
    env: imageEnv,
    synthesizer: new cdk.DefaultStackSynthesizer({ imageAssetsRepositoryName: repositorySpec.name }),
    description: `Lambda container images of ${repositorySpec.name}`,
  });
  images.addStackDependency(repositories);
  const platform = imageSpec.architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64';
  const asset = new ecrAssets.DockerImageAsset(new Construct(images, imageSpec.name), 'Asset', {
    directory: path.join(ROOT, imageSpec.directory), platform: ecrAssets.Platform.custom(platform), exclude: EXCLUDE,
  });
  const uri = `${account}.dkr.ecr.${region}.amazonaws.com/${repositorySpec.name}:${asset.imageTag}`;
  new ssm.StringParameter(images, `${imageSpec.name}Uri`, {
    parameterName: `/lambda-images/${imageSpec.name}/uri`, stringValue: uri,
    description: `Image URI of ${imageSpec.name} (${platform})`,
  });

  for (const consumer of config.consumerAccounts) {
    const env = { account: consumer.account, region };
    const stage = new cdk.Stage(app, `Consumer-${consumer.name}`, { env });
    const stack = new cdk.Stack(stage, 'Functions', {
      env, description: `Lambda functions of consumer account ${consumer.name}`,
    });
    const key = new kms.Key(stack, 'FunctionsKey', {
      enableKeyRotation: true,
      description: `Encrypts the logs and environment of the functions in ${stack.stackName}`,
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${consumer.account}:log-group:*` } },
    }));
    const tracing = new iam.ManagedPolicy(stack, 'ImageFunctionTracingPolicy', {
      description: `X-Ray permissions of the ImageFunctions in ${stack.node.path}`,
      statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
    });
    for (const spec of consumer.functions) {
      addFunction(stack, key, tracing, spec, uri, imageSpec.architecture, platform);
    }
  }
}

function main() {
  const [outdir, configPath] = process.argv.slice(4);
  const started = process.hrtime.bigint();
  const context = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
  delete context['lambda-image-constructs'];
  const app = new cdk.App({ outdir, context });
  build(app, JSON.parse(fs.readFileSync(configPath, 'utf8')));
  const constructed = process.hrtime.bigint();
  app.synth();
  const done = process.hrtime.bigint();
  console.log(JSON.stringify({
    construct_s: Number(constructed - started) / 1e9,
    synth_s: Number(done - constructed) / 1e9,
  }));
}

main();
