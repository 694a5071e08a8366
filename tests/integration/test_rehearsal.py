"""The post-deploy half of a deployment, rehearsed against moto in server mode (a real HTTP
endpoint, `AWS_ENDPOINT_URL`, fake credentials, no network): the table and the site bucket as
the template defines them, the first office account through the command line, the first full
build through the S3 sink, a letter submitted, dispatched, signed, replied and approved through
the API app on the DynamoDB store, then published by the REAL stream handler
(`app.publish_changes`) from the table's own stream records, with the CDN invalidation made;
then `wenzheng deploy`'s build / invalidate / smoke-test steps against a local server that serves
the bucket and the API. Plus `wenzheng deploy --dry-run`, which lists every step and calls
nothing."""
from __future__ import annotations

import io
import json
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters import content_bundle, dynamodb_table
from publisher.generations import prefix_of, read_pointer
from wenzheng import cli, deploy

ROOT = Path(__file__).resolve().parents[2]
STAGE = "dev"
ACCOUNT = "123456789012"                     # moto's account
REGION = "us-east-1"
SECRET = "a-rehearsal-token-secret-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"


class LambdaContext:
    function_name = "wenzheng-dev-publish_changes"
    aws_request_id = "rehearsal"


@pytest.fixture
def aws_env(moto_endpoint, monkeypatch, tmp_path):
    """What a deployer's shell would have, with moto as AWS."""
    for name, value in {
            "AWS_ENDPOINT_URL": moto_endpoint, "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "WENZHENG_STAGE": STAGE, "WENZHENG_STORE": "dynamodb",
            "WENZHENG_TABLE": f"wenzheng-{STAGE}", "WENZHENG_TOKEN_SECRET": SECRET,
            "WENZHENG_SENDER": "local", "WENZHENG_DATA": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield moto_endpoint
    bootstrap.use(None)


def template_resources() -> dict:
    sys.path.insert(0, str(ROOT / "infra"))
    try:
        import make_resources
        return make_resources.resources(STAGE)
    finally:
        sys.path.remove(str(ROOT / "infra"))


def create_site_bucket(s3, props: dict) -> str:
    """The bucket with the properties the template gives SiteBucket (CloudFormation's shapes
    turned into the S3 API's)."""
    name = f"wenzheng-{STAGE}-site-{ACCOUNT}-{REGION}"
    assert props["BucketName"] == {"Fn::Sub": f"wenzheng-{STAGE}-site-${{AWS::AccountId}}"
                                              "-${AWS::Region}"}
    s3.create_bucket(Bucket=name)
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props[
        "PublicAccessBlockConfiguration"])
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props[
        "VersioningConfiguration"])
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"],
                   "BucketKeyEnabled": r["BucketKeyEnabled"]}
                  for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]]})
    rules = [{"ID": r["Id"], "Status": r["Status"], "Filter": {"Prefix": ""},
              "NoncurrentVersionExpiration": {
                  "NoncurrentDays": r["NoncurrentVersionExpiration"]["NoncurrentDays"]},
              "AbortIncompleteMultipartUpload": {
                  "DaysAfterInitiation": r["AbortIncompleteMultipartUpload"][
                      "DaysAfterInitiation"]}}
             for r in props["LifecycleConfiguration"]["Rules"]]
    s3.put_bucket_lifecycle_configuration(Bucket=name,
                                          LifecycleConfiguration={"Rules": rules})
    return name


def create_distribution(cloudfront, bucket: str) -> str:
    origin = f"{bucket}.s3.{REGION}.amazonaws.com"
    answer = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "rehearsal", "Comment": "wenzheng rehearsal", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": origin,
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site",
                                 "ViewerProtocolPolicy": "redirect-to-https",
                                 "MinTTL": 0, "ForwardedValues": {
                                     "QueryString": True, "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}}})
    return answer["Distribution"]["Id"]


def site_origin_path(cloudfront, distribution: str) -> str:
    config = cloudfront.get_distribution_config(Id=distribution)["DistributionConfig"]
    return next(o.get("OriginPath") or "" for o in config["Origins"]["Items"]
                if o["Id"] == "site")


def invalidated_paths(cloudfront, distribution: str) -> list[list[str]]:
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    out = []
    for item in listed.get("Items", []):
        got = cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])
        out.append(got["Invalidation"]["InvalidationBatch"]["Paths"].get("Items", []))
    return out


def stream_records(streams, stream_arn: str) -> list[dict]:
    """Every record on the table's stream so far, as Lambda delivers them (JSON)."""
    records: list[dict] = []
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    for shard in shards:
        it = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it, Limit=1000)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            it = page.get("NextShardIterator")
    for record in records:
        record["eventSourceARN"] = stream_arn
        when = record["dynamodb"].get("ApproximateCreationDateTime")
        if when is not None:                       # boto3's datetime; Lambda sends seconds
            record["dynamodb"]["ApproximateCreationDateTime"] = int(when.timestamp())
    return json.loads(json.dumps(records, default=str))


def live(s3, bucket: str) -> str:
    """The key prefix of the bucket's live generation (publisher.generations)."""
    return prefix_of("", read_pointer(s3, bucket).live)


class SiteServer:
    """The site as CloudFront serves it: pages from the bucket under the distribution's
    origin path, as it is at each request (a folder URL is its index.html, as the
    distribution's function does), /api/* from the function."""

    def __init__(self, s3, bucket: str, chalice_app, cloudfront, distribution: str) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                status, body = outer.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.s3, self.bucket, self.app = s3, bucket, chalice_app
        self.cloudfront, self.distribution = cloudfront, distribution
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def answer(self, path: str) -> tuple[int, bytes]:
        if path.startswith("/api/"):
            with self.lock, Client(self.app) as client:
                resp = client.http.get(path)
            return resp.status_code, resp.body
        config = self.cloudfront.get_distribution_config(Id=self.distribution)
        origin = next(o for o in config["DistributionConfig"]["Origins"]["Items"]
                      if o["Id"] == "site")
        key = (origin.get("OriginPath") or "").lstrip("/")
        key = (key + "/" if key else "") + path.lstrip("/") + (
            "index.html" if path.endswith("/") else "")
        try:
            return 200, self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError:
            return 404, b"not found"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def add_account(monkeypatch, *args: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["account", "add", *args]) == 0
    bootstrap.use(None)


def test_the_post_deploy_half_against_moto_server(aws_env, monkeypatch, function_module, capsys,
                                                  tmp_path):
    aws = deploy.Aws(REGION)
    s3, dynamodb = aws.client("s3"), aws.client("dynamodb")
    cloudfront = aws.client("cloudfront")
    assert s3.meta.endpoint_url == aws_env            # no request leaves the machine
    resources = template_resources()["Resources"]

    # --- what the stack creates: the table, the site bucket, the distribution ------------------
    props = resources["Table"]["Properties"]
    table = props["TableName"]
    assert table == f"wenzheng-{STAGE}"
    dynamodb_table.create_table(dynamodb, table)
    made = dynamodb.describe_table(TableName=table)["Table"]
    assert made["KeySchema"] == props["KeySchema"]
    assert made["BillingModeSummary"]["BillingMode"] == props["BillingMode"]
    assert {g["IndexName"]: g["KeySchema"] for g in made["GlobalSecondaryIndexes"]} == {
        g["IndexName"]: g["KeySchema"] for g in props["GlobalSecondaryIndexes"]}
    assert made["StreamSpecification"]["StreamViewType"] == props["StreamSpecification"][
        "StreamViewType"]
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == props["TimeToLiveSpecification"]["AttributeName"]
    backups = dynamodb.describe_continuous_backups(TableName=table)[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert backups["PointInTimeRecoveryStatus"] == "ENABLED"
    bucket = create_site_bucket(s3, resources["SiteBucket"]["Properties"])
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"][
        "RestrictPublicBuckets"] is True
    distribution = create_distribution(cloudfront, bucket)
    # what the deploy itself creates before the stack: its state bucket and the token secret
    state_bucket = deploy.deployment_bucket(aws, STAGE)
    assert state_bucket == f"wenzheng-{STAGE}-deploy-{ACCOUNT}-{REGION}"
    assert deploy.ensure_bucket(aws, state_bucket) is True
    assert deploy.ensure_bucket(aws, state_bucket) is False
    assert deploy.ensure_secret(aws, STAGE) is True
    assert deploy.ensure_secret(aws, STAGE) is False
    assert len(aws.client("secretsmanager").get_secret_value(
        SecretId=f"wenzheng/{STAGE}/token-secret")["SecretString"]) >= 48

    # --- the first office account (and a clerk), through the command line ----------------------
    add_account(monkeypatch, "office-1", "--role", "office")
    add_account(monkeypatch, "clerk-h", "--role", "clerk", "--department", "housing")
    assert "account office-1 (office) saved" in capsys.readouterr().out

    # --- the composition the function runs with: DynamoDB store, the bucket, the CDN -----------
    settings = bootstrap.Settings.from_env()
    settings.site_bucket, settings.distribution_id = bucket, distribution
    composed = bootstrap.build(settings)
    bootstrap.use(composed)
    site = SiteServer(s3, bucket, function_module.app, cloudfront, distribution)
    outputs = {"BucketName": bucket, "DistributionId": distribution, "TableName": table,
               "SiteUrl": site.url}
    lines: list[str] = []
    try:
        # --- the first full build through the S3 sink, the invalidation, the smoke test --------
        first = deploy.post_deploy(aws, STAGE, outputs, state_bucket, say=lines.append)
        assert first.built and first.changed > 10 and first.invalidation
        assert any("first build" in line for line in lines)
        assert any(line.startswith("   topics: ") for line in lines)
        assert first.smoke == ["/api/health 200", "/ 200"]          # no letter published yet
        # a new generation, switched in last: the bucket's pointer and the origin path
        pointer = read_pointer(s3, bucket)
        assert pointer.live and pointer.next is None
        assert site_origin_path(cloudfront, distribution) == f"/_site/{pointer.live}"
        root = live(s3, bucket)
        keys = {o["Key"][len(root):] for o in s3.list_objects_v2(
            Bucket=bucket, Prefix=root, MaxKeys=1000)["Contents"]}
        assert "index.html" in keys and "en/index.html" in keys
        assert "consultations/index.html" in keys
        head = s3.head_object(Bucket=bucket, Key=root + "index.html")
        assert head["ContentType"] == "text/html; charset=utf-8"
        assert invalidated_paths(cloudfront, distribution) == [["/*"]]

        # --- a letter through the API, on the DynamoDB store ----------------------------------
        with Client(function_module.app) as client:
            def call(method, path, body=None, token=None):
                headers = {"Content-Type": "application/json"}
                if token:
                    headers["Authorization"] = f"Bearer {token}"
                resp = getattr(client.http, method)(
                    path, headers=headers, body=None if body is None else json.dumps(body))
                return resp.status_code, json.loads(resp.body) if resp.body else None

            status, answer = call("post", "/api/letters", {
                "type": "complaint", "subject": "小区门口道路破损",
                "body": "道路破损严重，请尽快修复。", "name": "王小明", "phone": "13812345678",
                "email": "wang@example.com", "public": True})
            assert status == 201, answer
            lid = answer["id"]
            tokens = {}
            for user in ("office-1", "clerk-h"):
                status, body = call("post", "/api/staff/login",
                                    {"username": user, "password": PASSWORD})
                assert status == 200, body
                tokens[user] = body["token"]
            for user, action, body in (
                    ("office-1", "dispatch", {"department": "housing"}),
                    ("clerk-h", "sign", {}),
                    ("clerk-h", "reply", {"body": "您好，道路已于本周修复。"}),
                    ("office-1", "approve", {"publish": True, "category": "城乡建设"})):
                status, got = call("post", f"/api/staff/letters/{lid}/{action}", body,
                                   tokens[user])
                assert status == 200, (action, got)
            assert got["status"] == "published"
        assert s3.list_objects_v2(Bucket=bucket,
                                  Prefix=f"{root}letters/{lid}/")["KeyCount"] == 0

        # --- the stream handler, with the table's own stream records ---------------------------
        stream_arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        records = stream_records(aws.client("dynamodbstreams"), stream_arn)
        changes = [r for r in records if r["eventName"] == "INSERT"
                   and r["dynamodb"]["Keys"]["pk"]["S"].startswith("CHANGE#")]
        assert changes, "the table's stream has the change records"
        function_module.publish_changes({"Records": records}, LambdaContext())

        page = s3.get_object(Bucket=bucket, Key=f"{root}letters/{lid}/index.html")
        html = page["Body"].read().decode("utf-8")
        assert "您好，道路已于本周修复。" in html
        assert "13812345678" not in html and "王小明" not in html and "wang@" not in html
        # a new page and the lists it changed are refreshed at the edge within a minute, so the
        # stream publish tells the CDN nothing (only withdrawals and corrections: sinks.edge_urls)
        assert page["CacheControl"].startswith("public, max-age=60")
        batches = invalidated_paths(cloudfront, distribution)
        assert len(batches) == 1 and batches[0] == ["/*"]
        # the published changes are no longer pending
        assert composed.ctx.store.pending_changes(100) == []

        # --- a second deploy with the same content: no build, the smoke test reads the letter ---
        lines.clear()
        again = deploy.post_deploy(aws, STAGE, outputs, state_bucket, say=lines.append)
        assert not again.built and again.invalidation is None
        assert any("skipped" in line for line in lines)
        assert again.smoke == ["/api/health 200", "/ 200", f"/letters/{lid}/ 200"]

        # --- the whole command (packaging skipped, a stand-in template: moto has no SAM) -------
        out = tmp_path / "out"
        out.mkdir()
        (out / "sam.json").write_text(json.dumps({
            "Parameters": {"AlarmEmail": {"Type": "String", "Default": ""},
                           "SiteOriginPath": {"Type": "String", "Default": ""},
                           "ContentBundle": {"Type": "String", "Default": ""}},
            "Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"Marker": {"Value": {"Ref": "Marker"}}}}), encoding="utf-8")
        (out / "deployment.zip").write_bytes(b"PK-code")
        (out / "pagefind-layer.zip").write_bytes(b"PK-layer")
        # moto's change-set stacks carry no outputs: the stack's are those of the test's stack
        monkeypatch.setattr(deploy, "stack_outputs", lambda aws_, stack: outputs)
        lines.clear()
        slow = deploy.Aws(REGION, poll_seconds=1)
        whole = deploy.deploy(STAGE, slow, say=lines.append, skip_package=True, out=out,
                              force_build=True, parameters={"AlarmEmail": "ops@example.org"})
        text = "\n".join(lines)
        for n in range(1, 9):
            assert f"{n}. " in text, (n, text)
        assert "secret wenzheng/dev/token-secret: exists" in text and "   created" in text
        assert "next: the first office account" in text
        assert whole.built and whole.invalidation and len(whole.smoke) == 3
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=state_bucket)["Contents"]}
        assert len([k for k in keys if k.endswith(".zip")]) == 2 and "dev/content.sha256" in keys
        stack = aws.client("cloudformation").describe_stacks(StackName=f"wenzheng-{STAGE}")
        assert stack["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        # again, unchanged: the artifacts are not uploaded again and no build; the stack learns
        # the origin path the first deploy's build switched the CDN to
        lines.clear()
        deploy.deploy(STAGE, slow, say=lines.append, skip_package=True, out=out)
        assert "   updated" in lines and any("full build: skipped" in x for x in lines)
        # and once more: the same origin path (moto keeps a stack's parameters of its creation
        # for the empty-change-set check, so it cannot say "no changes" here as AWS would)
        origin = [x for x in lines if x.startswith("   SiteOriginPath=")]
        lines.clear()
        deploy.deploy(STAGE, slow, say=lines.append, skip_package=True, out=out)
        assert [x for x in lines if x.startswith("   SiteOriginPath=")] == origin
        assert any("full build: skipped" in x for x in lines)
        # the alarm address given the first time is kept by an update that does not repeat it
        params = aws.client("cloudformation").describe_stacks(
            StackName=f"wenzheng-{STAGE}")["Stacks"][0].get("Parameters", [])
        given = [{k: p[k] for k in ("ParameterKey", "ParameterValue")} for p in params]
        assert {"ParameterKey": "AlarmEmail", "ParameterValue": "ops@example.org"} in given
        # the stack is told the live generation the forced build switched the CDN to, so an
        # update never points the origin back at an older one
        assert "   SiteOriginPath=/_site/" + read_pointer(s3, bucket).live in lines
        assert {"ParameterKey": "SiteOriginPath",
                "ParameterValue": f"/_site/{read_pointer(s3, bucket).live}"} in given
        # the code has not changed since the first deploy: the later ones were not packaged
        assert any(x.startswith("1. package: skipped (the code is what") for x in lines)
        bundle = {p["ParameterKey"]: p["ParameterValue"] for p in params}["ContentBundle"]
        assert bundle.startswith(f"s3://{state_bucket}/{STAGE}/content/")

        # --- a content commit on a machine with no package: the content goes alone ---------------
        tree = tmp_path / "commit"
        for top in ("content", "site/theme", "publisher"):
            shutil.copytree(ROOT / top, tree / top,
                            ignore=shutil.ignore_patterns("__pycache__"))
        notice = tree / "content" / "notices" / "2026-10-08-platform-launch.md"
        notice.write_text(notice.read_text(encoding="utf-8") + "\n\n排练：本通知已更新。\n",
                          encoding="utf-8")
        shutil.rmtree(out)

        def no_package(*args, **kwargs):
            raise AssertionError("a content commit is not repackaged")
        monkeypatch.setattr(deploy.subprocess, "run", no_package)
        lines.clear()
        content_commit = deploy.deploy(STAGE, slow, say=lines.append, content_root=tree)
        text = "\n".join(lines)
        assert "1. package: skipped (the code is what dev last deployed" in text
        assert "content/, site/theme or publisher/ changed" in text and content_commit.built
        params = aws.client("cloudformation").describe_stacks(
            StackName=f"wenzheng-{STAGE}")["Stacks"][0].get("Parameters", [])
        new_bundle = {p["ParameterKey"]: p["ParameterValue"] for p in params}["ContentBundle"]
        assert new_bundle != bundle and f"   content bundle {new_bundle}" in lines
        # what a function fetches at start-up holds the commit; the rebuilt site shows it
        unpacked = content_bundle.fetch(new_bundle, tmp_path / "bundles", s3)
        assert "排练：本通知已更新。" in (unpacked / "content" / "notices" / notice.name).read_text(
            encoding="utf-8")
        page = s3.get_object(Bucket=bucket, Key=live(s3, bucket)
                             + "notices/platform-launch/index.html")["Body"].read()
        assert "排练：本通知已更新。" in page.decode()
    finally:
        site.close()


def test_a_smoke_test_that_fails_says_which_page():
    def fetch(url):
        return (503, b"") if url.endswith("/api/health") else (200, b"<html>")
    waits: list[float] = []
    with pytest.raises(deploy.DeployError, match="/api/health answered 503"):
        deploy.smoke_test("https://example.org/", "/letters/x/", fetch, sleep=waits.append)
    assert waits == [15, 15, 15]                     # four tries, then it gives up

    def unreachable(url):
        raise OSError("Name or service not known")
    with pytest.raises(deploy.DeployError, match="not known"):
        deploy.smoke_test("https://example.org/", None, unreachable, attempts=1)


def test_the_dry_run_lists_every_step_and_calls_nothing(monkeypatch, capsys):
    def no_aws(*args, **kwargs):
        raise AssertionError("a dry run made an AWS client")
    monkeypatch.setattr(boto3, "client", no_aws)
    monkeypatch.setattr(deploy.subprocess, "run", no_aws)
    assert cli.main(["deploy", "--stage", "prod", "--dry-run"]) == 0
    out = capsys.readouterr().out
    for n, step in enumerate(("package", "artifacts", "secret", "stack", "outputs",
                              "full build", "invalidate", "smoke test"), 1):
        assert f"\n{n}. {step}: " in out, step
    for call in ("s3:CreateBucket", "secretsmanager:CreateSecret",
                 "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet",
                 "cloudfront:CreateInvalidation"):
        assert call in out
    assert "wenzheng-prod" in out and "STAGE=prod" in out


def test_the_packaged_template_names_the_uploaded_artifacts():
    template = {"Resources": {
        "APIHandler": {"Type": "AWS::Serverless::Function",
                       "Properties": {"CodeUri": "./deployment.zip"}},
        "PagefindLayer": {"Type": "AWS::Lambda::LayerVersion",
                          "Properties": {"Content": "./pagefind-layer.zip"}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}}}}
    out = deploy.packaged_template(template, "b", "dev/abc.zip", "dev/def.zip")
    assert out["Resources"]["APIHandler"]["Properties"]["CodeUri"] == "s3://b/dev/abc.zip"
    assert out["Resources"]["PagefindLayer"]["Properties"]["Content"] == {
        "S3Bucket": "b", "S3Key": "dev/def.zip"}
    assert template["Resources"]["APIHandler"]["Properties"]["CodeUri"] == "./deployment.zip"


def test_the_packaged_template_of_the_real_package_has_no_local_path():
    sam = ROOT / "infra" / "out" / "sam.json"
    if not sam.is_file():
        pytest.skip("no package (make package)")
    out = deploy.packaged_template(json.loads(sam.read_text(encoding="utf-8")), "b", "c.zip",
                                   "l.zip")
    assert "./" not in json.dumps(out["Resources"])


def test_the_content_hash_follows_content_and_theme(tmp_path):
    for top in ("content", "site/theme"):
        (tmp_path / top).mkdir(parents=True)
        (tmp_path / top / "a.txt").write_text("one", encoding="utf-8")
    before = deploy.content_hash(tmp_path)
    assert deploy.content_hash(tmp_path) == before
    (tmp_path / "content" / "a.txt").write_text("two", encoding="utf-8")
    assert deploy.content_hash(tmp_path) != before
