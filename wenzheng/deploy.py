"""`wenzheng deploy --stage STAGE [--dry-run]`: one command from a commit to a running stage.

The steps (each printed as it runs; `--dry-run` prints them with the AWS calls they would make,
calling nothing and needing no credentials):

1. package       scripts/package.sh (the function, its merge template, the Pagefind layer);
                 skipped when the code is the code the stage last deployed (`CODE_DIRS`, its
                 hash kept as `<stage>/code.sha256`): a content commit is not repackaged
2. artifacts     the stage's deployment bucket `wenzheng-<stage>-deploy-<account>-<region>`,
                 created if missing; deployment.zip, pagefind-layer.zip and the template uploaded
                 under their SHA-256 (an unchanged artifact is not uploaded again); and always
                 the content bundle (content/ and site/theme, `<stage>/content/<sha256>.tar.gz`,
                 chalicelib/adapters/content_bundle.py), which the stack's `ContentBundle`
                 parameter names: the functions read content from it at start-up. Without a
                 package, the template the stage last deployed (`<stage>/template.key`) is used
3. secret        `wenzheng/<stage>/token-secret` in Secrets Manager, created if missing
4. stack         a change set on `wenzheng-<stage>` (create or update; "no changes" is fine),
                 executed and waited for
5. outputs       the stack's BucketName, DistributionId, TableName, SiteUrl
6. full build    when the bucket has never been built or content/, site/theme or publisher/
                 changed since the last build (their hash is kept in the deployment bucket,
                 `<stage>/content.sha256`): content/'s consultation topics registered in the
                 table, then every page into a new generation of the site bucket, switched
                 in last: the bucket's pointer and the distribution's origin path
                 (`full_build_to_bucket`, `publisher.generations`); the stack's
                 `SiteOriginPath` is always given the live generation's path, so a stack
                 update never points the CDN back at an old one
7. invalidate    the CDN forgets `/*` (after a build)
8. smoke test    GET `/api/health`, the home page and one letter page of the site

Every AWS call goes through `Aws.client` (boto3 reads the region, credentials and
`AWS_ENDPOINT_URL` itself, so a moto server stands in for AWS in the rehearsal).
Steps 6-8 are `post_deploy`; the rehearsal (tests/integration/test_rehearsal.py) runs them,
and steps 2-8 of `deploy` with a stand-in template, against a moto server.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# what the pages are made of: a change to any of them calls for a full build
CONTENT_DIRS = ("content", "site/theme", "publisher")
# what the package holds besides content/ and the theme: a change to any of them needs a new
# package; a commit that changes none of them deploys its content as a bundle alone
CODE_DIRS = ("functions/app.py", "functions/chalicelib", "functions/requirements.txt",
             "functions/.chalice", "publisher", "scripts/package.sh", "infra/make_resources.py",
             "pyproject.toml")
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
OUTPUT_KEYS = ("BucketName", "DistributionId", "TableName", "SiteUrl")


class DeployError(RuntimeError):
    """A step failed; the message says which and why."""


@dataclass(frozen=True)
class Step:
    name: str
    what: str
    calls: tuple[str, ...] = ()


def plan(stage: str) -> list[Step]:
    """What `deploy` does, step by step, with the AWS API calls of each."""
    prefix = f"wenzheng-{stage}"
    return [
        Step("package", f"bash scripts/package.sh (STAGE={stage}) -> {out_dir(stage)}; "
             f"skipped when the code is what {stage} last deployed ({stage}/code.sha256 in "
             "the deployment bucket): a content commit is not repackaged",
             ("s3:GetObject",)),
        Step("artifacts", f"deployment bucket {prefix}-deploy-<account>-<region> (created if "
             "missing); upload deployment.zip, pagefind-layer.zip, the template (or, without "
             f"a package, reuse {stage}/template.key) and the content bundle "
             f"{stage}/content/<sha256>.tar.gz, the stack's ContentBundle",
             ("sts:GetCallerIdentity", "s3:HeadBucket", "s3:CreateBucket", "s3:HeadObject",
              "s3:PutObject")),
        Step("secret", f"token secret wenzheng/{stage}/token-secret (created if missing)",
             ("secretsmanager:DescribeSecret", "secretsmanager:CreateSecret")),
        Step("stack", f"change set on stack {prefix} (create or update; no changes is fine; "
             "SiteOriginPath: the live generation's), executed and waited for",
             ("cloudformation:DescribeStacks", "s3:GetObject", "cloudformation:CreateChangeSet",
              "cloudformation:DescribeChangeSet", "cloudformation:ExecuteChangeSet",
              "cloudformation:DeleteChangeSet")),
        Step("outputs", "the stack's " + ", ".join(OUTPUT_KEYS),
             ("cloudformation:DescribeStacks",)),
        Step("full build", "first build, or content/, site/theme or publisher/ changed since "
             "the last: every page into a new generation of the site bucket, then the "
             "switch (the bucket's pointer, the CDN's origin path)",
             ("s3:GetObject", "dynamodb:Query", "dynamodb:GetItem", "s3:ListObjectsV2",
              "s3:PutObject", "s3:CopyObject", "s3:DeleteObject",
              "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution")),
        Step("invalidate", "CloudFront forgets /* after a build",
             ("cloudfront:CreateInvalidation",)),
        Step("smoke test", "GET /api/health, the home page, one letter page",
             ("s3:ListObjectsV2",)),
    ]


def print_plan(stage: str, out: Callable[[str], None] = print) -> None:
    out(f"deploy plan for stage {stage} (dry run: nothing is called)")
    for n, step in enumerate(plan(stage), 1):
        out(f"{n}. {step.name}: {step.what}")
        for call in step.calls:
            out(f"     {call}")


def out_dir(stage: str) -> Path:
    return ROOT / "infra" / "out" if stage == "dev" else ROOT / "infra" / "out" / stage


# --- AWS -------------------------------------------------------------------------------------

class Aws:
    """The one place boto3 clients are made (boto3 reads region, credentials and
    AWS_ENDPOINT_URL from its own configuration)."""

    def __init__(self, region: str | None = None, poll_seconds: int | None = None) -> None:
        self._clients: dict[str, Any] = {}
        self._region = region
        # how often the waiters ask CloudFormation (None: 5 s for a change set, 10 s a stack)
        self.poll_seconds = poll_seconds

    @property
    def region(self) -> str:
        if self._region is None:
            import boto3
            self._region = boto3.session.Session().region_name or "us-east-1"
        return self._region

    def client(self, name: str) -> Any:
        if name not in self._clients:
            import boto3
            self._clients[name] = boto3.client(name, region_name=self.region)
        return self._clients[name]


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def ensure_bucket(aws: Aws, name: str) -> bool:
    """Create the bucket if missing (private, encrypted); True if it was created."""
    from botocore.exceptions import ClientError
    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=name)
        return False
    except ClientError as exc:
        if _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kwargs: dict[str, Any] = {"Bucket": name}
    if aws.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
    s3.create_bucket(**kwargs)
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "BlockPublicPolicy": True,
        "IgnorePublicAcls": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    return True


def deployment_bucket(aws: Aws, stage: str) -> str:
    account = aws.client("sts").get_caller_identity()["Account"]
    return f"wenzheng-{stage}-deploy-{account}-{aws.region}"


def upload(aws: Aws, bucket: str, path: Path, prefix: str) -> str:
    """Upload `path` under its SHA-256 unless that key exists; the key."""
    data = path.read_bytes()
    return upload_bytes(aws, bucket, data, f"{prefix}/{hashlib.sha256(data).hexdigest()}"
                                           f"{path.suffix}")


def upload_bytes(aws: Aws, bucket: str, data: bytes, key: str) -> str:
    """Put `data` at `key` unless that key exists (its name is its hash); the key."""
    from botocore.exceptions import ClientError
    s3 = aws.client("s3")
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return key
    except ClientError as exc:
        if _error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    return key


def packaged_template(template: dict, bucket: str, code_key: str, layer_key: str) -> dict:
    """sam.json with its local artifacts replaced by their S3 locations (what
    `aws cloudformation package` does)."""
    out = json.loads(json.dumps(template))
    for res in out.get("Resources", {}).values():
        props = res.get("Properties", {})
        if isinstance(props.get("CodeUri"), str) and props["CodeUri"].endswith("deployment.zip"):
            props["CodeUri"] = f"s3://{bucket}/{code_key}"
        if res.get("Type") == "AWS::Lambda::LayerVersion" and isinstance(props.get("Content"),
                                                                           str):
            props["Content"] = {"S3Bucket": bucket, "S3Key": layer_key}
        if res.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(
                props.get("ContentUri"), str):
            props["ContentUri"] = f"s3://{bucket}/{layer_key}"
    return out


def ensure_secret(aws: Aws, stage: str) -> bool:
    """The stage's token secret, created (48 random bytes) if missing; True if created."""
    from botocore.exceptions import ClientError
    sm = aws.client("secretsmanager")
    name = f"wenzheng/{stage}/token-secret"
    try:
        sm.describe_secret(SecretId=name)
        return False
    except ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
    sm.create_secret(Name=name, SecretString=secrets.token_urlsafe(48),
                     Description=f"signs the staff tokens of wenzheng stage {stage}")
    return True


def stack_exists(aws: Aws, stack: str) -> bool:
    from botocore.exceptions import ClientError
    try:
        stacks = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    status = stacks[0]["StackStatus"] if stacks else "REVIEW_IN_PROGRESS"
    if status == "ROLLBACK_COMPLETE":
        raise DeployError(f"stack {stack} failed its first creation (ROLLBACK_COMPLETE): see its "
                          "events, delete it (the table and bucket are kept), deploy again")
    return status != "REVIEW_IN_PROGRESS"


def deploy_stack(aws: Aws, stack: str, template_url: str, parameters: dict[str, str],
                 change_set: str, template_parameters: tuple[str, ...] = ()) -> str:
    """Create or update through a change set; "created", "updated" or "no changes". On an
    update, a template parameter not given keeps its previous value (an alarm address set
    once stays)."""
    cf = aws.client("cloudformation")
    kind = "UPDATE" if stack_exists(aws, stack) else "CREATE"
    given: list[dict[str, Any]] = [{"ParameterKey": k, "ParameterValue": v}
                                   for k, v in parameters.items()]
    if kind == "UPDATE":
        given += [{"ParameterKey": k, "UsePreviousValue": True}
                  for k in template_parameters if k not in parameters]
    change_set = f"{change_set}-{secrets.token_hex(3)}"      # unique, even after a failed run
    cf.create_change_set(
        StackName=stack, ChangeSetName=change_set, ChangeSetType=kind, TemplateURL=template_url,
        Capabilities=CAPABILITIES, Parameters=given,
        Tags=[{"Key": "wenzheng:stage", "Value": stack.removeprefix("wenzheng-")}])
    from botocore.exceptions import WaiterError
    try:
        cf.get_waiter("change_set_create_complete").wait(
            StackName=stack, ChangeSetName=change_set,
            WaiterConfig={"Delay": aws.poll_seconds or 5, "MaxAttempts": 120})
    except WaiterError:
        described = cf.describe_change_set(StackName=stack, ChangeSetName=change_set)
        reason = described.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            cf.delete_change_set(StackName=stack, ChangeSetName=change_set)
            return "no changes"
        raise DeployError(f"change set failed: {reason}") from None
    cf.execute_change_set(StackName=stack, ChangeSetName=change_set)
    waiter = "stack_update_complete" if kind == "UPDATE" else "stack_create_complete"
    try:
        cf.get_waiter(waiter).wait(StackName=stack, WaiterConfig={
            "Delay": aws.poll_seconds or 10, "MaxAttempts": 360})
    except WaiterError as exc:
        raise DeployError(f"stack {stack} did not complete: {exc}") from None
    return "updated" if kind == "UPDATE" else "created"


def stack_outputs(aws: Aws, stack: str) -> dict[str, str]:
    described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


# --- after the stack: build, invalidate, smoke test --------------------------------------------

def content_hash(root: Path = ROOT) -> str:
    """SHA-256 of every file (path and bytes) under content/, site/theme and publisher/ (the
    renderer: a change to a template's code changes pages too)."""
    digest = hashlib.sha256()
    for top in CONTENT_DIRS:
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()
                           and "__pycache__" not in p.parts and not p.name.startswith(".")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def code_hash(root: Path = ROOT) -> str:
    """SHA-256 of every file (path and bytes) of `CODE_DIRS`: what a package is made of
    besides content (caches, Chalice's deployment records and virtualenv left out)."""
    digest = hashlib.sha256()
    for top in CODE_DIRS:
        base = root / top
        if base.is_file():
            files = [base]
        elif base.is_dir():
            files = sorted(p for p in base.rglob("*") if p.is_file()
                           and not p.name.startswith(".")
                           and not {"__pycache__", "deployments", "venv"} & set(p.parts))
        else:
            files = []
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_state(aws: Aws, bucket: str, key: str) -> str | None:
    """A small text the deploys keep in the deployment bucket (None: none yet)."""
    from botocore.exceptions import ClientError
    try:
        return str(aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode())
    except ClientError as exc:
        if _error_code(exc) not in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
            raise
        return None


def upload_content_bundle(aws: Aws, bucket: str, stage: str, root: Path) -> str:
    """content/ and site/theme of `root` as the stage's bundle; its s3:// address."""
    from chalicelib.adapters.content_bundle import make_bundle
    data, sha = make_bundle(root)
    key = upload_bytes(aws, bucket, data, f"{stage}/content/{sha}.tar.gz")
    return f"s3://{bucket}/{key}"


def full_build_to_bucket(settings: Any, bucket: str, client: Any = None,
                        cloudfront: Any = None) -> int:
    """Every page of the site into a new generation of `bucket`, then the switch to it: the
    bucket's pointer and, with `cloudfront`, the distribution's origin path (no invalidation:
    the caller invalidates `/*` once). The number of files the new generation has that the
    old one did not have as they are. Pages the live generation holds unchanged are copied
    inside S3; `wenzheng build --sink s3://BUCKET` does the same (wenzheng/build_sink.py)."""
    from chalicelib import bootstrap
    from publisher.build import full_build
    from publisher.generations import build_generation
    from publisher.runtime import content_for

    store = bootstrap.make_store(settings, bootstrap.real_clock)
    content = content_for(settings)
    done = build_generation(store, content, bucket, client,
                            lambda sink: full_build(store, content, sink, prune=True),
                            cloudfront=cloudfront, distribution_id=settings.distribution_id,
                            invalidate=False)
    return len(done.build.changed) - done.copied


def live_origin_path(aws: Aws, bucket: str | None) -> str:
    """The origin path of the bucket's live generation ("" before the first generation)."""
    from publisher.generations import origin_path, read_pointer
    if not bucket:
        return ""
    return origin_path("", read_pointer(aws.client("s3"), bucket).live)


def register_content_topics(settings: Any) -> dict:
    """Check content/'s consultation files and register them in the stage's table (a bad file
    stops the deploy before the build: `ContentError`)."""
    # the composition of `wenzheng topics register` (cli._topic_context; not imported, as the
    # command line imports this module): the store, the calendar, the departments
    from chalicelib import bootstrap
    from chalicelib.adapters.calendars import OfficialCalendar
    from chalicelib.adapters.content import load_topics
    from chalicelib.services.context import Context
    from chalicelib.services.topics import register_topics

    ctx = Context(store=bootstrap.make_store(settings, bootstrap.real_clock),
                  calendar=OfficialCalendar(settings.content_dir / "calendar"),
                  clock=bootstrap.real_clock,
                  departments=bootstrap.load_departments(settings.content_dir))
    return register_topics(ctx, load_topics(settings.content_dir, set(ctx.departments)))


def invalidate_all(aws: Aws, distribution_id: str, reference: str) -> str:
    answer = aws.client("cloudfront").create_invalidation(
        DistributionId=distribution_id, InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": reference})
    return str(answer["Invalidation"]["Id"])


def http_get(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "wenzheng-deploy-smoke"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:   # noqa: S310 (our own site)
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def is_letter_id(name: str) -> bool:
    """A letter's id: ten characters of the code alphabet, lower case (services/letters.py);
    the other folders of letters/ (archive, categories, 2026) are not ids."""
    from chalicelib.services.context import CODE_ALPHABET
    return len(name) == 10 and all(c in CODE_ALPHABET.lower() for c in name)


def a_letter_page(aws: Aws, bucket: str) -> str | None:
    """The URL path of one published letter's page in the bucket's live generation (None:
    nothing published)."""
    from publisher.generations import prefix_of, read_pointer
    s3 = aws.client("s3")
    live = prefix_of("", read_pointer(s3, bucket).live)
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=live + "letters/", PaginationConfig={"MaxItems": 2000})
    for obj in (o for page in pages for o in page.get("Contents", [])):
        parts = obj["Key"][len(live):].split("/")
        if len(parts) == 3 and parts[2] == "index.html" and is_letter_id(parts[1]):
            return f"/letters/{parts[1]}/"
    return None


def smoke_test(site_url: str, letter_path: str | None,
               fetch: Callable[[str], tuple[int, bytes]] = http_get, attempts: int = 4,
               sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """The checks made, each 'PATH STATUS'; DeployError on the first that still fails after
    `attempts` tries 15 s apart (a new distribution's name can take a moment to resolve)."""
    base = site_url.rstrip("/")
    checks = [("/api/health", b'"ok"'), ("/", b"<html")]
    if letter_path:
        checks.append((letter_path, b"<html"))
    done = []
    for path, expect in checks:
        for attempt in range(1, attempts + 1):
            try:
                status, body = fetch(base + path)
            except OSError as exc:          # no such host yet, connection refused, timeout
                status, body = 0, str(exc).encode()
            if status == 200 and expect in body:
                break
            if attempt == attempts:
                raise DeployError(f"smoke test: GET {path} answered {status or body.decode()}")
            sleep(15)
        done.append(f"{path} {status}")
    return done


@dataclass
class PostDeploy:
    """What `post_deploy` did."""
    built: bool = False
    changed: int = 0
    invalidation: str | None = None
    smoke: list[str] = field(default_factory=list)


def post_deploy(aws: Aws, stage: str, outputs: dict[str, str], state_bucket: str,
                say: Callable[[str], None] = print, force_build: bool = False,
                fetch: Callable[[str], tuple[int, bytes]] = http_get,
                content_root: Path = ROOT) -> PostDeploy:
    """Steps 6-8: the full build when needed, the invalidation, the smoke test."""
    from botocore.exceptions import ClientError

    from chalicelib.config import Settings

    missing = [k for k in OUTPUT_KEYS if not outputs.get(k)]
    if missing:
        raise DeployError(f"the stack has no output {', '.join(missing)}")
    bucket, result = outputs["BucketName"], PostDeploy()
    s3 = aws.client("s3")
    state_key = f"{stage}/content.sha256"
    current = content_hash(content_root)
    try:
        previous: str | None = s3.get_object(Bucket=state_bucket,
                                             Key=state_key)["Body"].read().decode()
    except ClientError as exc:
        if _error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
            raise
        previous = None
    if force_build or previous != current:
        why = ("first build" if previous is None else "forced" if previous == current
               else "content/, site/theme or publisher/ changed")
        say(f"6. full build ({why}) into s3://{bucket}")
        settings = Settings(stage=stage, store="dynamodb", table=outputs["TableName"],
                            content_dir=content_root / "content", site_bucket=bucket,
                            distribution_id=outputs["DistributionId"],
                            theme_dir=content_root / "site" / "theme")
        # content/'s consultation topics into the table first (what `wenzheng build` does), so
        # a topic added by a content commit takes comments and has its pages
        report = register_content_topics(settings)
        say("   topics: " + ", ".join(f"{k} {len(v)}" for k, v in report.items()))
        result.built, result.changed = True, full_build_to_bucket(
            settings, bucket, aws.client("s3"), aws.client("cloudfront"))
        say(f"   {result.changed} files changed")
        say(f"7. invalidate /* on {outputs['DistributionId']}")
        result.invalidation = invalidate_all(aws, outputs["DistributionId"],
                                             f"deploy-{current[:16]}-{secrets.token_hex(4)}")
        say(f"   invalidation {result.invalidation}")
        # recorded last: a deploy that fails before this point builds and invalidates again
        s3.put_object(Bucket=state_bucket, Key=state_key, Body=current.encode())
    else:
        say("6. full build: skipped (content/, site/theme and publisher/ unchanged since the "
            "last build)")
        say("7. invalidate: skipped (nothing built)")
    say(f"8. smoke test of {outputs['SiteUrl']}")
    result.smoke = smoke_test(outputs["SiteUrl"], a_letter_page(aws, bucket), fetch)
    for line in result.smoke:
        say(f"   GET {line}")
    return result


def _last_template(aws: Aws, bucket: str, stage: str, code: str,
                   stack: str) -> tuple[str, dict | None]:
    """The packaged template the stage last deployed, when its code is `code`, the stack is
    there and the template takes a content bundle (so the content can go alone)."""
    if read_state(aws, bucket, f"{stage}/code.sha256") != code:
        return "", None
    key = read_state(aws, bucket, f"{stage}/template.key")
    if not key or not stack_exists(aws, stack):
        return "", None
    template = json.loads(aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    if "ContentBundle" not in template.get("Parameters", {}):
        return "", None
    return key, template


def deploy(stage: str, aws: Aws | None = None, say: Callable[[str], None] = print,
           parameters: dict[str, str] | None = None, skip_package: bool = False,
           out: Path | None = None, force_build: bool = False, content_root: Path = ROOT,
           code_root: Path = ROOT) -> PostDeploy:
    """The whole deploy (steps 1-8); `out`: where the package is (default infra/out[/stage]);
    `content_root` and `code_root`: where content/ and site/theme, and the code, are read."""
    aws = aws or Aws()
    out = out or out_dir(stage)
    stack = f"wenzheng-{stage}"
    bucket = deployment_bucket(aws, stage)
    code = code_hash(code_root)
    template_key, template = _last_template(aws, bucket, stage, code, stack)
    content_only = template is not None
    if content_only:
        say(f"1. package: skipped (the code is what {stage} last deployed: the content goes "
            "as its bundle)")
    elif skip_package:
        say("1. package: skipped (--skip-package)")
    else:
        say(f"1. package: bash scripts/package.sh (STAGE={stage})")
        # the stage and region go to the script through `env` (this module reads no variables)
        done = subprocess.run(["env", f"STAGE={stage}", f"AWS_DEFAULT_REGION={aws.region}",
                               "bash", str(ROOT / "scripts" / "package.sh")], cwd=ROOT,
                              check=False)
        if done.returncode != 0:
            raise DeployError("packaging failed (scripts/package.sh said why above)")
    say(f"2. artifacts: s3://{bucket}" + (" (created)" if ensure_bucket(aws, bucket) else ""))
    if template is not None:
        say(f"   the template {template_key}, as last deployed")
    else:
        for name in ("sam.json", "deployment.zip", "pagefind-layer.zip"):
            if not (out / name).is_file():
                raise DeployError(f"{out / name} is missing: package first")
        code_key = upload(aws, bucket, out / "deployment.zip", stage)
        layer_key = upload(aws, bucket, out / "pagefind-layer.zip", stage)
        template = packaged_template(json.loads((out / "sam.json").read_text(encoding="utf-8")),
                                     bucket, code_key, layer_key)
        packaged = out / "packaged.json"
        packaged.write_text(json.dumps(template, indent=1), encoding="utf-8")
        template_key = upload(aws, bucket, packaged, stage)
        say(f"   {code_key}, {layer_key}, {template_key}")
    parameters = dict(parameters or {})
    if "ContentBundle" in template.get("Parameters", {}):
        parameters["ContentBundle"] = upload_content_bundle(aws, bucket, stage, content_root)
        say(f"   content bundle {parameters['ContentBundle']}")
    created = ensure_secret(aws, stage)
    say(f"3. secret wenzheng/{stage}/token-secret: {'created' if created else 'exists'}")
    url = f"https://{bucket}.s3.{aws.region}.amazonaws.com/{template_key}"
    say(f"4. stack {stack}: change set")
    if "SiteOriginPath" in template.get("Parameters", {}) and stack_exists(aws, stack):
        # the CDN serves the live generation: the origin path a full build switched to, not
        # the one the stack last saw (publisher.generations)
        parameters["SiteOriginPath"] = live_origin_path(
            aws, stack_outputs(aws, stack).get("BucketName"))
        say(f"   SiteOriginPath={parameters['SiteOriginPath'] or '(the bucket root)'}")
    how = deploy_stack(aws, stack, url, parameters,
                       f"deploy-{template_key.rsplit('/', 1)[-1][:12]}",
                       tuple(template.get("Parameters", {})))
    say(f"   {how}")
    # what the stage now runs: a later commit with the same code deploys its content alone
    s3 = aws.client("s3")
    s3.put_object(Bucket=bucket, Key=f"{stage}/template.key", Body=template_key.encode())
    s3.put_object(Bucket=bucket, Key=f"{stage}/code.sha256", Body=code.encode())
    outputs = stack_outputs(aws, stack)
    say("5. outputs: " + ", ".join(f"{k}={outputs.get(k)}" for k in OUTPUT_KEYS))
    result = post_deploy(aws, stage, outputs, bucket, say, force_build=force_build,
                         content_root=content_root)
    if how == "created":
        say(f"next: the first office account (infra/README.md, 'The first office account'): "
            f"WENZHENG_STAGE={stage} WENZHENG_STORE=dynamodb "
            f"WENZHENG_TABLE={outputs['TableName']} WENZHENG_TOKEN_SECRET=<the secret> "
            "wenzheng account add office-1 --role office; then point DNS at "
            f"{outputs['SiteUrl']}")
    return result


def main(stage: str, dry_run: bool, parameters: dict[str, str] | None = None,
         skip_package: bool = False, force_build: bool = False) -> int:
    if dry_run:
        print_plan(stage)
        return 0
    try:
        deploy(stage, parameters=parameters, skip_package=skip_package,
               force_build=force_build)
    except DeployError as err:
        print(f"deploy: {err}", file=sys.stderr)
        return 1
    print(f"deployed stage {stage}")
    return 0
