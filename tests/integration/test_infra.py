"""The packaged CloudFormation (`scripts/package.sh` → infra/out/sam.json) and the function package.

The session fixture runs the packaging step when its output is missing or older than any of its
inputs, so these tests always read what `make package` would deploy.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chalicelib.adapters.dynamodb_table import table_properties
from chalicelib.bootstrap import DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "infra" / "out"
SAM = OUT / "sam.json"
ZIP = OUT / "deployment.zip"
LAYER_ZIP = OUT / "pagefind-layer.zip"
VENDOR = ROOT / "functions" / "vendor"
CHALICE_DIR = ROOT / "functions" / ".chalice"
CONFIG = json.loads((CHALICE_DIR / "config.json").read_text(encoding="utf-8"))
STAGE = "dev"
PREFIX = f"{CONFIG['app_name']}-{STAGE}"
BIN = Path(sys.executable).parent

INPUTS = ("functions/app.py", "functions/chalicelib", "functions/requirements.txt",
          "functions/.chalice/config.json", "functions/.chalice", "infra/make_resources.py",
          "scripts/package.sh", "publisher", "site/theme", "content")
DYNAMIC_REFERENCE = re.compile(r"^\{\{resolve:(secretsmanager|ssm):[A-Za-z0-9/_.\-:]+\}\}$")
# what only the Lambda runtime provides besides the package (python3.11 ships boto3)
LAMBDA_RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "dateutil", "s3transfer", "urllib3",
                           "six.py")


def _newest_input() -> float:
    newest = 0.0
    for rel in INPUTS:
        path = ROOT / rel
        files = [path] if path.is_file() else [
            p for p in path.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and "deployments" not in p.parts]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


@pytest.fixture(scope="session")
def template() -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / ".package.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # one packaging run at a time
        if (not SAM.exists() or not ZIP.exists()
                or SAM.stat().st_mtime < _newest_input()):
            run = subprocess.run(["bash", "scripts/package.sh"], cwd=ROOT, capture_output=True,
                                 text=True, timeout=300)
            assert run.returncode == 0, f"scripts/package.sh failed:\n{run.stdout}{run.stderr}"
    return json.loads(SAM.read_text(encoding="utf-8"))


def resources_of(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") == kind}


def functions(template: dict) -> dict[str, dict]:
    return resources_of(template, "AWS::Serverless::Function")


def the_one(template: dict, kind: str) -> tuple[str, dict]:
    found = resources_of(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def by_handler(template: dict, handler: str) -> tuple[str, dict]:
    found = [(k, v) for k, v in functions(template).items()
             if v["Properties"]["Handler"] == handler]
    assert len(found) == 1, f"no single function with handler {handler}"
    return found[0]


def strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (k, *strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


# --- the table: one definition ------------------------------------------------------------------

def test_table_resource_is_the_one_definition_in_chalicelib(template):
    name, table = the_one(template, "AWS::DynamoDB::Table")
    stage_env = CONFIG["stages"][STAGE]["environment_variables"]
    assert table["Properties"] == table_properties(stage_env["WENZHENG_TABLE"])
    assert table["Properties"]["TableName"] == PREFIX


def test_table_has_stream_point_in_time_recovery_and_ttl(template):
    _, table = the_one(template, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"]["Enabled"] is True
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"


# --- the functions ------------------------------------------------------------------------------

SITE_WRITERS = ("app.publish_changes", "app.index_search")   # the publisher and the indexer

def test_publisher_reads_the_stream_of_the_stacks_table(template):
    table, _ = the_one(template, "AWS::DynamoDB::Table")
    _, fn = by_handler(template, "app.publish_changes")
    events = list(fn["Properties"]["Events"].values())
    assert [e["Type"] for e in events] == ["DynamoDB"]
    props = events[0]["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": [table, "StreamArn"]}
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    # one publisher at a time, so shared pages are never rendered by two batches at once
    assert props["ParallelizationFactor"] == 1
    assert fn["Properties"]["ReservedConcurrentExecutions"] == 1
    # app.py's placeholder ARN (for importing the app outside AWS) never reaches the template
    assert not [s for s in strings(template) if "000000000000" in s]


def test_schedule_runs_the_tick_every_15_minutes(template):
    _, fn = by_handler(template, "app.tick")
    events = list(fn["Properties"]["Events"].values())
    assert [(e["Type"], e["Properties"]["Schedule"]) for e in events] == [
        ("Schedule", "rate(15 minutes)")]


def test_every_function_uses_the_stacks_dynamodb_table(template):
    table, _ = the_one(template, "AWS::DynamoDB::Table")
    fns = functions(template)
    assert {f["Properties"]["Handler"] for f in fns.values()} == {
        "app.app", "app.publish_changes", "app.tick", "app.index_search"}
    for name, fn in fns.items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["WENZHENG_STORE"] == "dynamodb", name
        assert env["WENZHENG_STAGE"] == STAGE, name
        assert env["WENZHENG_TABLE"] == {"Ref": table}, name
        assert env["WENZHENG_CONTENT"] == "/var/task/wenzheng_bundle/content", name
        assert env["WENZHENG_THEME"] == "/var/task/wenzheng_bundle/theme", name


def test_every_function_reads_content_from_the_bundle_the_deploy_names(template):
    """`wenzheng deploy` sets `ContentBundle`; each function may read that prefix only (and
    reads the packaged content/ while it is empty, adapters/content_bundle.py)."""
    param = template["Parameters"]["ContentBundle"]
    assert param["Default"] == ""
    pattern = re.compile(param["AllowedPattern"])
    assert pattern.match("") and pattern.match(
        f"s3://wenzheng-{STAGE}-deploy-123456789012-us-east-1/{STAGE}/content/{'a' * 64}.tar.gz")
    assert not pattern.match("s3://bucket/a b.tar.gz") and not pattern.match("http://x.tar.gz")
    for name, fn in functions(template).items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["WENZHENG_CONTENT_BUNDLE"] == {"Ref": "ContentBundle"}, name
        role = resources_of(template, "AWS::IAM::Role")[
            fn["Properties"]["Role"]["Fn::GetAtt"][0]]
        reads = [st for p in role["Properties"]["Policies"]
                 for st in p["PolicyDocument"]["Statement"] if st.get("Sid") == "ContentBundle"]
        assert [st["Action"] for st in reads] == [["s3:GetObject"]], name
        assert reads[0]["Resource"] == [
            f"arn:aws:s3:::wenzheng-{STAGE}-deploy-*/{STAGE}/content/*"], name


def test_only_the_publisher_and_the_indexer_know_the_site_bucket_and_distribution(template):
    for name, fn in functions(template).items():
        env = fn["Properties"]["Environment"]["Variables"]
        if fn["Properties"]["Handler"] in SITE_WRITERS:
            assert env["WENZHENG_SITE_BUCKET"] == {"Ref": "SiteBucket"}
            assert env["WENZHENG_DISTRIBUTION_ID"] == {"Ref": "SiteDistribution"}
        else:
            assert "WENZHENG_SITE_BUCKET" not in env, name


def test_token_secret_is_a_dynamic_reference_not_a_value(template):
    for name, fn in functions(template).items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert DYNAMIC_REFERENCE.match(env["WENZHENG_TOKEN_SECRET"]), name
        for key, value in env.items():
            if re.search(r"SECRET|PASSWORD|TOKEN|KEY", key):
                assert isinstance(value, str) and DYNAMIC_REFERENCE.match(value), (name, key)


def test_no_demo_account_or_test_secret_in_the_template(template):
    without_routes = json.loads(json.dumps(template))       # route names may say anything
    del without_routes["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    text = json.dumps(without_routes, ensure_ascii=False).lower()
    for word in (*DEMO_USERS, "demo", "correct horse", "testing", "test-token-secret",
                 "password"):
        assert word.lower() not in text, word


def test_the_package_ships_no_demo_city(template):
    names = zipfile.ZipFile(ZIP).namelist()
    assert "publisher/build.py" in names and "publisher/pelican_plugin.py" not in names
    assert not [n for n in names if n.startswith("wenzheng/")], "the local tools are not shipped"
    assert not [n for n in names if "demo_letters" in n or "demo_consultations" in n]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


# --- the site: private bucket behind CloudFront, /api/* to the API on the same origin ----------

def test_site_bucket_is_private_versioned_and_encrypted(template):
    bucket = template["Resources"]["SiteBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    policy = template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]
    for st in policy["Statement"]:
        if st["Effect"] == "Allow":
            assert st["Principal"] == {"Service": "cloudfront.amazonaws.com"}
            assert "${SiteDistribution}" in st["Condition"]["StringEquals"]["AWS:SourceArn"][
                "Fn::Sub"]


def test_cdn_serves_the_bucket_and_routes_api_to_the_rest_api(template):
    config = template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    default = config["DefaultCacheBehavior"]
    site = origins[default["TargetOriginId"]]
    assert site["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert site["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    (api_behavior,) = config["CacheBehaviors"]
    assert api_behavior["PathPattern"] == "/api/*"
    assert {"POST", "PUT", "DELETE"} <= set(api_behavior["AllowedMethods"])
    assert api_behavior["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # disabled
    api = origins[api_behavior["TargetOriginId"]]
    assert "${RestAPI}.execute-api." in api["DomainName"]["Fn::Sub"]
    # /api/letters at the CDN → /<stage>/api/letters at API Gateway → the Chalice route
    stage = template["Resources"]["RestAPI"]["Properties"]["StageName"]
    assert api["OriginPath"] == f"/{stage}"
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert paths and all(p.startswith("/api/") for p in paths)
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"


def test_the_api_sees_the_viewer_address_the_edge_writes(template, tmp_path):
    """Behind CloudFront the function trusts True-Client-IP (clients.EDGE_HEADER): the /api/*
    behaviour runs an edge function that writes it from the viewer's address, replacing what
    the viewer sent, and its origin request policy forwards viewer headers but never Host."""
    import shutil

    from chalicelib.api.clients import EDGE_HEADER
    config = template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    (api_behavior,) = config["CacheBehaviors"]
    assert api_behavior["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    (assoc,) = api_behavior["FunctionAssociations"]
    assert assoc["EventType"] == "viewer-request"
    name = assoc["FunctionARN"]["Fn::GetAtt"][0]
    code = template["Resources"][name]["Properties"]["FunctionCode"]
    assert f"'{EDGE_HEADER.lower()}'" in code
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "edge.js"
    script.write_text(code + """
var out = handler({viewer: {ip: '2001:db8::7'}, request: {headers: {
  'true-client-ip': {value: '10.0.0.1'}, 'user-agent': {value: 'x'}}}});
console.log(JSON.stringify(out.headers));
""", encoding="utf-8")
    headers = json.loads(subprocess.run([node, str(script)], capture_output=True, text=True,
                                        check=True).stdout)
    assert headers["true-client-ip"] == {"value": "2001:db8::7"}
    assert headers["user-agent"] == {"value": "x"}


def test_alarms_watch_errors_throttles_and_stream_lag(template):
    alarms = resources_of(template, "AWS::CloudWatch::Alarm").values()
    watched = {(a["Properties"]["MetricName"],
                json.dumps(a["Properties"]["Dimensions"][0]["Value"])) for a in alarms
               if "Dimensions" in a["Properties"]}
    for name in functions(template):
        assert ("Errors", json.dumps({"Ref": name})) in watched
    table, _ = the_one(template, "AWS::DynamoDB::Table")
    assert ("ReadThrottleEvents", json.dumps({"Ref": table})) in watched
    assert ("WriteThrottleEvents", json.dumps({"Ref": table})) in watched
    publisher, _ = by_handler(template, "app.publish_changes")
    assert ("IteratorAge", json.dumps({"Ref": publisher})) in watched


def test_a_full_build_that_holds_the_publisher_too_long_raises_an_alarm(template):
    """The indexer reports how long a build has held the publisher (publisher/metrics.py);
    the alarm watches that exact metric, well inside the build's lease."""
    sys.path.insert(0, str(ROOT))
    from publisher import metrics
    from publisher.generations import LEASE_SECONDS
    alarm = resources_of(template, "AWS::CloudWatch::Alarm")["FullBuildHeldAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (metrics.NAMESPACE,
                                                         metrics.FULL_BUILD_HELD)
    assert alarm["Dimensions"] == [{"Name": "Stage", "Value": STAGE}]
    assert alarm["Statistic"] == "Maximum" and alarm["Threshold"] == metrics.HELD_ALARM_SECONDS
    assert metrics.HELD_ALARM_SECONDS <= LEASE_SECONDS / 2
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    line = json.loads(metrics.emf_line(STAGE, {metrics.FULL_BUILD_HELD: 1.0}))
    assert line["Stage"] == STAGE


def test_outputs_name_the_site_table_and_bucket(template):
    assert {"SiteUrl", "TableName", "BucketName"} <= set(template["Outputs"])
    assert template["Outputs"]["TableName"]["Value"] == {"Ref": "Table"}
    assert template["Outputs"]["BucketName"]["Value"] == {"Ref": "SiteBucket"}


# --- least privilege ----------------------------------------------------------------------------

def _policy_files() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(CHALICE_DIR.glob("policy-*.json"))}


@pytest.mark.parametrize("stage", sorted(CONFIG["stages"]))
def test_policies_grant_only_their_stages_resources(stage):
    prefix = f"{CONFIG['app_name']}-{stage}"
    assert CONFIG["stages"][stage]["environment_variables"]["WENZHENG_TABLE"] == prefix
    files = [f for f in _policy_files() if re.fullmatch(rf"policy-{stage}(-\w+)?\.json", f)]
    assert files, f"no policy for stage {stage}"
    wildcard_ok = {"sns:Publish", "dynamodb:ListStreams"}   # no resource-level permissions
    for name in files:
        for st in _policy_files()[name]["Statement"]:
            assert st["Effect"] == "Allow"
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            assert not [a for a in actions if "*" in a], (name, st)
            for res in st["Resource"]:
                if res == "*":
                    assert set(actions) <= wildcard_ok, (name, st)
                elif res.startswith(("arn:aws:dynamodb", "arn:aws:s3", "arn:aws:logs",
                                     "arn:aws:sqs", "arn:aws:ssm")):
                    assert prefix in res or f"/wenzheng/{stage}/" in res, (name, res)


def _actions(template: dict, fn: dict) -> set[str]:
    role = resources_of(template, "AWS::IAM::Role")[fn["Properties"]["Role"]["Fn::GetAtt"][0]]
    return {a for p in role["Properties"]["Policies"]
            for st in p["PolicyDocument"]["Statement"] for a in st["Action"]}


def test_only_the_publisher_and_the_indexer_may_write_the_site(template):
    for fn_name, fn in functions(template).items():
        actions = _actions(template, fn)
        writes_site = {"s3:PutObject", "cloudfront:CreateInvalidation"} & actions
        reads_stream = "dynamodb:GetRecords" in actions
        handler = fn["Properties"]["Handler"]
        assert bool(writes_site) == (handler in SITE_WRITERS), fn_name
        if handler in SITE_WRITERS:
            assert {"s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
                    "cloudfront:CreateInvalidation"} <= actions, fn_name
        assert reads_stream == (handler == "app.publish_changes"), fn_name


# what the DynamoDB adapter calls (boto3 operation -> IAM action); transactions are checked
# against their items' actions (PutItem, UpdateItem, ConditionCheckItem)
ADAPTER_CALLS = {"get_item": "dynamodb:GetItem", "batch_get_item": "dynamodb:BatchGetItem",
                 "query": "dynamodb:Query", "put_item": "dynamodb:PutItem",
                 "update_item": "dynamodb:UpdateItem"}


def test_every_function_may_make_the_store_reads_and_the_search_state_writes(template):
    """Listings read letters by id (BatchGetItem), the publisher marks the search index and
    the indexer records what it built (PutItem): a role without them fails only in AWS."""
    source = (ROOT / "functions/chalicelib/adapters/dynamodb.py").read_text(encoding="utf-8")
    for call in ("batch_get_item", "put_item", "get_item"):
        assert re.search(rf"(_call\(\"|client\.){call}\b", source), call
    for name, fn in functions(template).items():
        actions = _actions(template, fn)
        reads = {ADAPTER_CALLS[c] for c in ("get_item", "batch_get_item", "query")}
        assert reads <= actions, (name, reads - actions)
        if fn["Properties"]["Handler"] in SITE_WRITERS:
            assert "dynamodb:PutItem" in actions, name


# --- the search indexer: its own function, with Pagefind from a layer ---------------------------

def test_the_indexer_runs_every_minute_one_at_a_time_without_retries(template):
    _, fn = by_handler(template, "app.index_search")
    props = fn["Properties"]
    assert [(e["Type"], e["Properties"]["Schedule"]) for e in props["Events"].values()] == [
        ("Schedule", "rate(1 minute)")]
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["MemorySize"] == 3008 and props["Timeout"] == 600
    assert props["EphemeralStorage"] == {"Size": 2048}
    # a throttled or failed minute is dropped: the next minute does the same work
    assert props["EventInvokeConfig"] == {"MaximumRetryAttempts": 0,
                                          "MaximumEventAgeInSeconds": 60}
    logs = template["Resources"][props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
    assert logs["LogGroupName"] == f"/aws/lambda/{PREFIX}-index"
    assert logs["RetentionInDays"] == 365


def test_an_indexer_that_cannot_run_pagefind_raises_an_alarm(template):
    """Pagefind missing or failing is a successful run that logs it (no retries, no Errors):
    a metric filter on the indexer's log group counts those lines, and an alarm watches it."""
    from chalicelib.api import events
    _, fn = by_handler(template, "app.index_search")
    group = fn["Properties"]["LoggingConfig"]["LogGroup"]
    (metric,) = [r["Properties"] for r in
                 resources_of(template, "AWS::Logs::MetricFilter").values()]
    assert metric["LogGroupName"] == group
    phrase = metric["FilterPattern"].strip('"')
    assert f'log.error("{phrase}: %s"' in Path(events.__file__).read_text(encoding="utf-8")
    (transform,) = metric["MetricTransformations"]
    alarms = [a["Properties"] for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
              if a["Properties"]["MetricName"] == transform["MetricName"]]
    assert [a["Namespace"] for a in alarms] == [transform["MetricNamespace"]]


def test_only_the_indexer_has_the_pagefind_layer(template):
    layers = resources_of(template, "AWS::Lambda::LayerVersion")
    assert list(layers) == ["PagefindLayer"]
    props = layers["PagefindLayer"]["Properties"]
    assert props["CompatibleArchitectures"] == ["x86_64"]
    for name, fn in functions(template).items():
        if fn["Properties"]["Handler"] == "app.index_search":
            assert fn["Properties"]["Layers"] == [{"Ref": "PagefindLayer"}]
            assert props["CompatibleRuntimes"] == [fn["Properties"]["Runtime"]]
            assert fn["Properties"]["Architectures"] == ["x86_64"]
        else:
            assert "Layers" not in fn["Properties"], name
    # the content is the local zip beside the template, which `aws cloudformation package`
    # uploads as it does the functions' CodeUri
    assert (SAM.parent / props["Content"]).resolve() == LAYER_ZIP.resolve()


def test_the_layer_holds_an_executable_pagefind_for_x86_64_linux(template):
    with zipfile.ZipFile(LAYER_ZIP) as z:
        info = z.getinfo("python/pagefind_bin_extended/pagefind_extended")
        assert info.create_system == 3 and (info.external_attr >> 16) & 0o111 == 0o111
        with z.open(info) as binary:
            head = binary.read(20)
        names = z.namelist()
    assert head[:4] == b"\x7fELF" and head[4] == 2                  # 64-bit ELF
    assert int.from_bytes(head[18:20], "little") == 0x3E            # x86-64
    assert "python/pagefind/service/__init__.py" in names          # the wrapper that finds it
    assert all(n.startswith("python/") for n in names)
    assert not [n for n in names if "__pycache__" in n]


def test_the_layer_is_cached_with_fixed_timestamps(template):
    cached = list((OUT / "layers").glob("pagefind-*-x86_64.zip"))
    assert [p.read_bytes() for p in cached] == [LAYER_ZIP.read_bytes()]
    with zipfile.ZipFile(LAYER_ZIP) as z:        # the same bytes from the same wheels
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_second_package_run_downloads_no_layer(template, tmp_path):
    """With the package index unreachable, packaging again works from the caches (Chalice's
    and the layer's); without the layer's cache it says it could not download the wheels."""
    offline = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_RETRIES": "0",
               "PIP_TIMEOUT": "2", "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
               "PIP_FIND_LINKS": "", "OUT": str(tmp_path / "out")}
    (cached,) = (OUT / "layers").glob("pagefind-*-x86_64.zip")
    before = cached.stat().st_mtime_ns
    with open(OUT / ".package.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run = subprocess.run(["bash", "scripts/package.sh"], cwd=ROOT, env=offline,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert cached.stat().st_mtime_ns == before
        assert (tmp_path / "out" / "pagefind-layer.zip").read_bytes() == cached.read_bytes()
        empty = {**offline, "LAYER_CACHE": str(tmp_path / "no-cache"),
                 "OUT": str(tmp_path / "out2")}
        run = subprocess.run(["bash", "scripts/package.sh"], cwd=ROOT, env=empty,
                             capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "could not download the pagefind" in run.stderr


def test_the_functions_package_has_no_pagefind(template):
    names = zipfile.ZipFile(ZIP).namelist()
    assert not [n for n in names if "pagefind" in n.lower().split("/")[0]]
    assert ZIP.stat().st_size < 20_000_000


def test_resources_refuse_a_table_name_the_policies_do_not_grant(tmp_path):
    sys.path.insert(0, str(ROOT / "infra"))
    try:
        import make_resources
    finally:
        sys.path.remove(str(ROOT / "infra"))
    config = json.loads(json.dumps(CONFIG))
    config["stages"][STAGE]["environment_variables"]["WENZHENG_TABLE"] = "letters"
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(make_resources.ConfigError, match=PREFIX):
        make_resources.resources(STAGE, path)
    with pytest.raises(make_resources.ConfigError, match="no stage"):
        make_resources.resources("staging", path)


# --- lint ---------------------------------------------------------------------------------------

def test_cfn_lint_finds_nothing(template):
    run = subprocess.run([str(BIN / "cfn-lint"), str(SAM)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


# --- the function package -----------------------------------------------------------------------

@pytest.mark.parametrize("rel", ["publisher/build.py", "publisher/runtime.py",
                                 "wenzheng_bundle/theme/templates/base.html",
                                 "wenzheng_bundle/content/departments.yaml"])
def test_vendored_bundle_holds_publisher_theme_and_content(template, rel):
    assert (VENDOR / rel).is_file()
    assert rel in zipfile.ZipFile(ZIP).namelist()


SMOKE = r"""
import os, sys
import app                                    # the Chalice app, as Lambda imports it
from chalicelib import bootstrap
from chalicelib.api import events
from chalicelib.adapters.sqlite import SqliteStore
from publisher import runtime
from publisher.build import full_build
from publisher.render import default_theme_dir
from publisher.sinks import MemorySink
assert os.path.realpath(runtime.__file__).startswith(
    os.path.realpath(sys.argv[1])), runtime.__file__
assert "pelican" not in sys.modules
settings = bootstrap.Settings.from_env()
assert bootstrap.load_departments(settings.content_dir)
assert (default_theme_dir() / "templates" / "base.html").is_file()
sink = MemorySink()
full_build(SqliteStore(os.path.join(sys.argv[2], "w.sqlite3")), runtime.content_for(settings), sink)
assert "index.html" in sink.files, sorted(sink.files)[:20]
from argon2 import PasswordHasher                # native extensions of the manylinux wheels
PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x")
import yaml, jwt, chinese_calendar, lunardate, markdown
assert yaml.__with_libyaml__
assert "pelican" not in sys.modules
print("ok")
"""


def test_package_runs_with_only_the_lambda_runtime(template, tmp_path):
    """Unzip the package and import the app, the stream handler's publisher and a full build
    with nothing but the standard library, the package and what Lambda's runtime provides."""
    task = tmp_path / "task"
    zipfile.ZipFile(ZIP).extractall(task)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    site_packages = next(Path(sys.prefix).glob("lib/python3*/site-packages"))
    for name in LAMBDA_RUNTIME_PACKAGES:
        (runtime / name).symlink_to(site_packages / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHENG_", "PYTHON"))}
    variables = functions(template)["PublishChanges"]["Properties"]["Environment"]["Variables"]
    for key, value in variables.items():
        if isinstance(value, str) and not value.startswith("{{"):
            env[key] = value.replace("/var/task", str(task))
    env.update(WENZHENG_STAGE="local", WENZHENG_STORE="sqlite", WENZHENG_DATA=str(tmp_path),
               PYTHONPATH=f"{task}:{runtime}")
    run = subprocess.run([sys.executable, "-S", "-c", SMOKE, str(task), str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stdout + run.stderr


def test_api_gateways_own_answers_have_the_api_error_shape(template):
    """No such path or method, a wrong media type, a body over API Gateway's limit, throttling:
    answered by API Gateway before the function runs, in the error shape of API.md."""
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert body["paths"]                          # Chalice's definition, merged, not replaced
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert {"MISSING_AUTHENTICATION_TOKEN", "UNSUPPORTED_MEDIA_TYPE", "REQUEST_TOO_LARGE",
            "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == 404
    for kind, r in responses.items():
        err = json.loads(r["responseTemplates"]["application/json"])["error"]
        assert set(err) == {"code", "message", "message_en", "field"}, kind
        assert err["code"].islower() and err["message"] and err["message_en"]


LAYER_SMOKE = r"""
import subprocess, sys
from publisher.search.index import pagefind_binary
binary = pagefind_binary()
assert binary.startswith(sys.argv[1]), binary         # found in the layer, not the dev venv
done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
assert done.returncode == 0, done.stderr
print(done.stdout.strip())
"""


def test_the_indexer_finds_pagefind_in_the_layer_as_lambda_lays_it_out(template, tmp_path):
    """The package in /var/task, the layer's python/ in /opt/python with each file's mode (as
    Lambda unpacks them), nothing else: the indexer's code finds and runs the binary."""
    task, opt = tmp_path / "task", tmp_path / "opt"
    zipfile.ZipFile(ZIP).extractall(task)
    with zipfile.ZipFile(LAYER_ZIP) as z:
        for info in z.infolist():
            target = opt / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WENZHENG_", "PYTHON", "PAGEFIND"))}
    env["PATH"] = "/usr/bin:/bin"                   # no pagefind on the PATH either
    env["PYTHONPATH"] = f"{task}:{opt / 'python'}"
    run = subprocess.run([sys.executable, "-S", "-c", LAYER_SMOKE, str(opt / "python")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().endswith("1.5.2"), run.stdout
