"""Write the CloudFormation that `chalice package --merge-template` merges into its SAM template.

    python infra/make_resources.py --stage dev --out infra/out/resources.json

The DynamoDB table comes from `chalicelib.adapters.dynamodb_table.table_properties` (the one
definition the adapter and its tests use too); names come from `functions/.chalice/config.json`
(app name, the stage's WENZHENG_TABLE and `api_gateway_stage`), so nothing here repeats them.

Chalice's deep merge replaces lists and merges dicts, so the entries below for `APIHandler`,
`PublishChanges`, `Tick`, `IndexSearch` and `RestAPI` only add or override properties of what
Chalice generates: the table name becomes `{"Ref": "Table"}` (the functions then depend on the
table), the stream event source points at the table's stream, the publisher and the search
indexer learn the bucket and distribution, and the indexer gets the Pagefind layer.

The layer's content is a local zip beside the packaged template (`PAGEFIND_LAYER_ZIP`, built
and cached by scripts/package.sh), which `aws cloudformation package` uploads like the
functions' `CodeUri`.

Names every stage's IAM policy files (`functions/.chalice/policy-<stage>*.json`) rely on:
table `<app>-<stage>`, bucket `<app>-<stage>-site-<account>-<region>`, log groups
`/aws/lambda/<app>-<stage>-<function>`, queue `<app>-<stage>-publish-failures`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
CONFIG = FUNCTIONS / ".chalice" / "config.json"

# the logical ids Chalice gives the app's functions (app.py: the API, `publish_changes`, `tick`,
# `index_search`)
API, PUBLISH, TICK, INDEX = "APIHandler", "PublishChanges", "Tick", "IndexSearch"
STREAM_EVENT = "PublishChangesDynamodbEventSource"
LOG_NAMES = {API: "api", PUBLISH: "publish", TICK: "tick", INDEX: "index"}

# the search indexer's Pagefind (pagefind[extended], native x86_64 Linux binary) as a layer:
# the zip scripts/package.sh writes next to sam.json, relative to it
PAGEFIND_LAYER = "PagefindLayer"
PAGEFIND_LAYER_ZIP = "./pagefind-layer.zip"
PAGEFIND_VERSION = "1.5.2"
# what events.on_search_schedule logs when Pagefind is missing or failed (the run succeeds, so
# the Errors alarm never sees it): a metric filter on the indexer's log counts it
INDEX_FAILURE_PATTERN = '"search index not updated"'

# AWS-managed CloudFront policies (fixed ids, the same in every account)
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"

LOG_RETENTION_DAYS = 365
ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000

# A viewer-request CloudFront Function: S3 (behind OAC) has no directory indexes, so
# `/letters/abc/` is served from `/letters/abc/index.html`; `/letters/abc` redirects to the
# slash form so relative links keep working. Only the site behaviour uses it, never `/api/*`.
INDEX_FUNCTION = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
    return request;
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    return {statusCode: 301, statusDescription: 'Moved Permanently',
            headers: {location: {value: uri + '/'}}};
  }
  return request;
}
"""

# A viewer-request CloudFront Function on `/api/*`: the function keys its abuse limits on the
# citizen's address (functions/chalicelib/clients.py), but behind CloudFront the Lambda sees an
# edge's address. The managed AllViewerExceptHostHeader origin request policy forwards the
# viewer's headers but none of CloudFront's own (so not CloudFront-Viewer-Address), and a custom
# policy cannot add them without also forwarding Host (which API Gateway refuses) or name
# Authorization (CloudFront refuses that in an origin request policy). So the edge writes the
# viewer's address into True-Client-IP itself, replacing any value the viewer sent, and the
# managed policy forwards it like any viewer header.
API_CLIENT_FUNCTION = """\
function handler(event) {
  var request = event.request;
  request.headers['true-client-ip'] = {value: event.viewer.ip};
  return request;
}
"""


def _imported(folder: Path, module: str):
    """`module` imported with `folder` on the path for the import only (this script runs
    outside the package: the table's definition and the metrics' names are the code's)."""
    import importlib
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(folder))


def load_table_properties():
    return _imported(FUNCTIONS, "chalicelib.adapters.dynamodb_table").table_properties


def load_metrics():
    """publisher/metrics.py: the names the functions report their figures under."""
    return _imported(ROOT, "publisher.metrics")


class ConfigError(ValueError):
    pass


def stage_settings(stage: str, config_path: Path = CONFIG) -> dict[str, str]:
    """app name, resource prefix, table name and API Gateway stage of one Chalice stage."""
    config = json.loads(config_path.read_text(encoding="utf-8"))
    stages = config.get("stages", {})
    if stage not in stages:
        raise ConfigError(f"{config_path}: no stage '{stage}' (have: {', '.join(stages)})")
    app = config["app_name"]
    prefix = f"{app}-{stage}"
    env = {**config.get("environment_variables", {}),
           **stages[stage].get("environment_variables", {})}
    table = env.get("WENZHENG_TABLE")
    if table != prefix:
        raise ConfigError(f"{config_path}: stage '{stage}' must set WENZHENG_TABLE to '{prefix}'"
                          f" (the name its IAM policy grants), not {table!r}")
    api_stage = stages[stage].get("api_gateway_stage") or config.get("api_gateway_stage") or "api"
    return {"app": app, "stage": stage, "prefix": prefix, "table": table, "api_stage": api_stage}


def sub(text: str) -> dict:
    return {"Fn::Sub": text}


def arn(name: str, attr: str = "Arn") -> dict:
    return {"Fn::GetAtt": [name, attr]}


def ref(name: str) -> dict:
    return {"Ref": name}


def alarm(description: str, namespace: str, metric: str, dimensions: dict[str, Any],
          statistic: str, threshold: float, *, period: int = 300, periods: int = 1,
          comparison: str = "GreaterThanOrEqualToThreshold") -> dict:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": periods,
            "Threshold": threshold,
            "ComparisonOperator": comparison,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [ref("AlarmTopic")],
            "OKActions": [ref("AlarmTopic")],
            **({"Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]}
               if dimensions else {}),
        },
    }


# API Gateway's own answers → (response type, status, code, message, message_en)
GATEWAY_RESPONSES = {
    "NoRoute": ("MISSING_AUTHENTICATION_TOKEN", 404, "not_found", "没有这个接口",
                "No such API path or method"),
    "MediaType": ("UNSUPPORTED_MEDIA_TYPE", 415, "unsupported_media_type",
                  "请求体须为 JSON（Content-Type: application/json）",
                  "The body must be JSON (Content-Type: application/json)"),
    "TooLarge": ("REQUEST_TOO_LARGE", 413, "too_large", "请求体过大", "Request body too large"),
    "Throttled": ("THROTTLED", 429, "too_many_requests", "请求过于频繁，请稍后再试",
                  "Too many requests; try again later"),
    "Default4xx": ("DEFAULT_4XX", 400, "bad_request", "请求无效", "Bad request"),
    "Default5xx": ("DEFAULT_5XX", 503, "unavailable", "服务暂时不可用，请稍后重试",
                   "Service temporarily unavailable; retry later"),
}


def gateway_responses() -> dict[str, Any]:
    out = {}
    for kind, status, code, message, message_en in GATEWAY_RESPONSES.values():
        body = json.dumps({"error": {"code": code, "message": message, "message_en": message_en,
                                     "field": None}}, ensure_ascii=False)
        headers = {"gatewayresponse.header.Cache-Control": "'no-store'",
                   "gatewayresponse.header.Content-Type": "'application/json; charset=utf-8'"}
        out[kind] = {"statusCode": status, "responseTemplates": {"application/json": body},
                     "responseParameters": headers}
    return out


def resources(stage: str, config_path: Path = CONFIG) -> dict[str, Any]:
    s = stage_settings(stage, config_path)
    prefix = s["prefix"]
    table_properties = load_table_properties()
    metrics = load_metrics()
    bucket_arn = sub("arn:${AWS::Partition}:s3:::${SiteBucket}")

    res: dict[str, Any] = {}

    # --- the store ------------------------------------------------------------------------------
    res["Table"] = {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": table_properties(s["table"]),
    }

    # --- the functions: Chalice's resources, completed --------------------------------------------
    for name, short in LOG_NAMES.items():
        res[f"{name}Logs"] = {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {"LogGroupName": f"/aws/lambda/{prefix}-{short}",
                           "RetentionInDays": LOG_RETENTION_DAYS},
        }
        res[name] = {"Properties": {
            # content/ and the theme from the bundle the last deploy uploaded (empty: the
            # package's own; chalicelib/adapters/content_bundle.py)
            "Environment": {"Variables": {"WENZHENG_TABLE": ref("Table"),
                                          "WENZHENG_CONTENT_BUNDLE": ref("ContentBundle")}},
            "LoggingConfig": {"LogGroup": ref(f"{name}Logs"), "LogFormat": "Text"},
        }}
    for writer in (PUBLISH, INDEX):
        res[writer]["Properties"]["Environment"]["Variables"].update({
            "WENZHENG_SITE_BUCKET": ref("SiteBucket"),
            "WENZHENG_DISTRIBUTION_ID": ref("SiteDistribution"),
        })
    # one publisher at a time: pages shared by many changes (the board, the league tables) are
    # read-modify-written from the store, so two batches rendering at once could put an older
    # rendering last. One batch per shard at a time, one invocation across shards; a waiting
    # batch stays in the stream (the iterator-age alarm watches the lag).
    res[PUBLISH]["Properties"]["ReservedConcurrentExecutions"] = 1
    res[PUBLISH]["Properties"]["Events"] = {STREAM_EVENT: {"Properties": {
        "Stream": arn("Table", "StreamArn"),
        "ParallelizationFactor": 1,
        # a change that keeps failing is split out of its batch, retried a few times, then
        # recorded in the failure queue (its outbox record stays pending for a later drain)
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 5,
        "DestinationConfig": {"OnFailure": {"Type": "SQS",
                                            "Destination": arn("PublishFailures")}},
    }}}
    # the search indexer (every minute, app.index_search): Pagefind from the layer, which only
    # this function has; ~175 KB of memory per letter while a shard of at most 8,000 builds
    # (publisher/search/shards.py), the shard's bundle in /tmp. One run at a time; a minute's
    # event that finds it still running (throttled) or that failed is dropped, not retried:
    # the next minute's run does the same work, so retries would only pile up.
    res[PAGEFIND_LAYER] = {
        "Type": "AWS::Lambda::LayerVersion",
        "Properties": {
            "LayerName": f"{prefix}-pagefind",
            "Description": f"pagefind[extended]=={PAGEFIND_VERSION} (python/pagefind, "
                           "python/pagefind_bin_extended/pagefind_extended) for the indexer",
            "Content": PAGEFIND_LAYER_ZIP,
            "CompatibleRuntimes": ["python3.11"],
            "CompatibleArchitectures": ["x86_64"],
        },
    }
    res[INDEX]["Properties"].update({
        "Layers": [ref(PAGEFIND_LAYER)],
        "ReservedConcurrentExecutions": 1,
        "EphemeralStorage": {"Size": 2048},
        "EventInvokeConfig": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
    })
    res["PublishFailures"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"QueueName": f"{prefix}-publish-failures",
                       "MessageRetentionPeriod": 14 * 24 * 3600,
                       "SqsManagedSseEnabled": True},
    }
    res["RestAPI"] = {"Properties": {"MethodSettings": [{
        "ResourcePath": "/*", "HttpMethod": "*",
        "ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100,
    }]}}
    # what API Gateway answers itself (no such path or method, a body over its limit, throttled)
    # in the error shape of API.md, as the function and the embedded server answer. Part of the
    # API's definition (merged into the one Chalice writes), so a deployment carries it.
    res["RestAPI"]["Properties"]["DefinitionBody"] = {
        "x-amazon-apigateway-gateway-responses": gateway_responses()}

    # --- the static site: private bucket, CloudFront in front, /api/* to the API ------------------
    res["SiteBucket"] = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": sub(f"{prefix}-site-${{AWS::AccountId}}-${{AWS::Region}}"),
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True,
                "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                 "BucketKeyEnabled": True}]},
            "LifecycleConfiguration": {"Rules": [{
                "Id": "old-page-versions", "Status": "Enabled",
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]},
        },
    }
    res["SiteOriginAccessControl"] = {
        "Type": "AWS::CloudFront::OriginAccessControl",
        "Properties": {"OriginAccessControlConfig": {
            "Name": sub("${AWS::StackName}-site"),
            "Description": "CloudFront reads the Wenzheng site bucket",
            "OriginAccessControlOriginType": "s3",
            "SigningBehavior": "always",
            "SigningProtocol": "sigv4"}},
    }
    res["SiteIndexFunction"] = {
        "Type": "AWS::CloudFront::Function",
        "Properties": {
            "Name": sub("${AWS::StackName}-index"),
            "AutoPublish": True,
            "FunctionConfig": {"Comment": "directory URLs to index.html",
                               "Runtime": "cloudfront-js-2.0"},
            "FunctionCode": INDEX_FUNCTION,
        },
    }
    res["ApiClientAddressFunction"] = {
        "Type": "AWS::CloudFront::Function",
        "Properties": {
            "Name": sub("${AWS::StackName}-api-client"),
            "AutoPublish": True,
            "FunctionConfig": {"Comment": "the viewer's address in True-Client-IP for the API",
                               "Runtime": "cloudfront-js-2.0"},
            "FunctionCode": API_CLIENT_FUNCTION,
        },
    }
    res["SiteCachePolicy"] = {
        "Type": "AWS::CloudFront::CachePolicy",
        "Properties": {"CachePolicyConfig": {
            "Name": sub("${AWS::StackName}-site"),
            "Comment": "pages: origin Cache-Control; theme assets keyed by their ?v= version",
            "MinTTL": 0, "DefaultTTL": 60, "MaxTTL": 31536000,   # sinks.PAGE_MAX_AGE
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": True,
                "EnableAcceptEncodingBrotli": True,
                "HeadersConfig": {"HeaderBehavior": "none"},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "whitelist",
                                       "QueryStrings": ["v"]},
            }}},
    }
    res["SiteDistribution"] = {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {"DistributionConfig": {
            "Enabled": True,
            "Comment": sub("Wenzheng site and API (${AWS::StackName})"),
            "HttpVersion": "http2and3",
            "IPV6Enabled": True,
            "PriceClass": "PriceClass_All",
            "DefaultRootObject": "index.html",
            "Aliases": {"Fn::If": ["HasDomain", [ref("SiteDomain")], ref("AWS::NoValue")]},
            "ViewerCertificate": {"Fn::If": [
                "HasDomain",
                {"AcmCertificateArn": ref("CertificateArn"), "SslSupportMethod": "sni-only",
                 "MinimumProtocolVersion": "TLSv1.2_2021"},
                {"CloudFrontDefaultCertificate": True}]},
            "Origins": [
                {"Id": "site",
                 "DomainName": arn("SiteBucket", "RegionalDomainName"),
                 # the live generation (publisher/generations.py): a full build switches it,
                 # and `wenzheng deploy` passes the live one back on every stack update
                 "OriginPath": ref("SiteOriginPath"),
                 "OriginAccessControlId": arn("SiteOriginAccessControl", "Id"),
                 "S3OriginConfig": {"OriginAccessIdentity": ""}},
                {"Id": "api",
                 "DomainName": sub("${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"),
                 # the viewer's /api/letters reaches API Gateway as /<stage>/api/letters
                 "OriginPath": f"/{s['api_stage']}",
                 "CustomOriginConfig": {"OriginProtocolPolicy": "https-only",
                                        "HTTPSPort": 443,
                                        "OriginSSLProtocols": ["TLSv1.2"]}},
            ],
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "AllowedMethods": ["GET", "HEAD"],
                "CachedMethods": ["GET", "HEAD"],
                "Compress": True,
                "CachePolicyId": ref("SiteCachePolicy"),
                "ResponseHeadersPolicyId": SECURITY_HEADERS,
                "FunctionAssociations": [{"EventType": "viewer-request",
                                          "FunctionARN": arn("SiteIndexFunction",
                                                             "FunctionARN")}],
            },
            "CacheBehaviors": [{
                "PathPattern": "/api/*",
                "TargetOriginId": "api",
                "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                "CachedMethods": ["GET", "HEAD"],
                "Compress": True,
                "CachePolicyId": CACHING_DISABLED,
                "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
                "ResponseHeadersPolicyId": SECURITY_HEADERS,
                "FunctionAssociations": [{"EventType": "viewer-request",
                                          "FunctionARN": arn("ApiClientAddressFunction",
                                                             "FunctionARN")}],
            }],
        }},
    }
    distribution_arn = sub("arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
                           ":distribution/${SiteDistribution}")
    res["SiteBucketPolicy"] = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {"Bucket": ref("SiteBucket"), "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "CloudFrontReadsPages", "Effect": "Allow",
                 "Principal": {"Service": "cloudfront.amazonaws.com"},
                 "Action": "s3:GetObject",
                 "Resource": sub("arn:${AWS::Partition}:s3:::${SiteBucket}/*"),
                 "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}}},
                # lets a missing page be a 404 rather than a 403
                {"Sid": "CloudFrontListsPages", "Effect": "Allow",
                 "Principal": {"Service": "cloudfront.amazonaws.com"},
                 "Action": "s3:ListBucket",
                 "Resource": bucket_arn,
                 "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}}},
                {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [bucket_arn, sub("arn:${AWS::Partition}:s3:::${SiteBucket}/*")],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            ]}},
    }

    # --- alarms ---------------------------------------------------------------------------------
    res["AlarmTopic"] = {"Type": "AWS::SNS::Topic",
                         "Properties": {"DisplayName": sub("Wenzheng alarms (${AWS::StackName})")}}
    res["AlarmEmailSubscription"] = {
        "Type": "AWS::SNS::Subscription",
        "Condition": "HasAlarmEmail",
        "Properties": {"TopicArn": ref("AlarmTopic"), "Protocol": "email",
                       "Endpoint": ref("AlarmEmail")},
    }
    for name, what in ((API, "API"), (PUBLISH, "publisher"), (TICK, "scheduled job"),
                       (INDEX, "search indexer")):
        res[f"{name}ErrorsAlarm"] = alarm(
            f"The {what} function failed at least once in 5 minutes", "AWS/Lambda", "Errors",
            {"FunctionName": ref(name)}, "Sum", 1)
    res["IndexFailuresMetric"] = {
        "Type": "AWS::Logs::MetricFilter",
        "Properties": {
            "LogGroupName": ref(f"{INDEX}Logs"),
            "FilterPattern": INDEX_FAILURE_PATTERN,
            "MetricTransformations": [{"MetricNamespace": "Wenzheng",
                                       "MetricName": f"{prefix}-search-index-failures",
                                       "MetricValue": "1", "DefaultValue": 0}],
        },
    }
    res["IndexFailuresAlarm"] = alarm(
        "The search indexer could not run Pagefind for 15 minutes (new replies are not "
        "searchable)", "Wenzheng", f"{prefix}-search-index-failures", {}, "Sum", 1,
        period=300, periods=3)
    res["TableReadThrottleAlarm"] = alarm(
        "DynamoDB throttled reads of the Wenzheng table", "AWS/DynamoDB", "ReadThrottleEvents",
        {"TableName": ref("Table")}, "Sum", 1)
    res["TableWriteThrottleAlarm"] = alarm(
        "DynamoDB throttled writes to the Wenzheng table", "AWS/DynamoDB", "WriteThrottleEvents",
        {"TableName": ref("Table")}, "Sum", 1)
    res["StreamIteratorAgeAlarm"] = alarm(
        "The publisher is more than 5 minutes behind the table's stream", "AWS/Lambda",
        "IteratorAge", {"FunctionName": ref(PUBLISH)}, "Maximum", ITERATOR_AGE_ALARM_MS,
        period=60, periods=5, comparison="GreaterThanThreshold")
    # a full build into a new generation holds the publisher while it runs; one killed holds
    # it until its lease runs out (publisher/metrics.py, reported by the every-minute indexer)
    res["FullBuildHeldAlarm"] = alarm(
        "A full build of the site has held the publisher for over 90 minutes: if it was "
        "killed, build again with wenzheng build --sink ... --take-over",
        metrics.NAMESPACE, metrics.FULL_BUILD_HELD, {"Stage": stage}, "Maximum",
        metrics.HELD_ALARM_SECONDS, comparison="GreaterThanThreshold")
    res["PublishFailuresAlarm"] = alarm(
        "Changes the publisher gave up on are waiting in the failure queue", "AWS/SQS",
        "ApproximateNumberOfMessagesVisible", {"QueueName": arn("PublishFailures", "QueueName")},
        "Maximum", 1)

    return {
        "Parameters": {
            "SiteOriginPath": {
                "Type": "String", "Default": "", "AllowedPattern": "^(/[A-Za-z0-9._-]+)*$",
                "Description": "the site's live generation in the bucket (/_site/<generation>; "
                               "empty: the bucket root); set by `wenzheng deploy`"},
            "ContentBundle": {
                "Type": "String", "Default": "",
                "AllowedPattern": "^(s3://[a-z0-9][a-z0-9.-]+/[A-Za-z0-9/._-]+\\.tar\\.gz)?$",
                "Description": "content/ and the theme as a bundle in the deployment bucket "
                               "(s3://…/<stage>/content/<sha256>.tar.gz; empty: the "
                               "package's); set by `wenzheng deploy`"},
            "SiteDomain": {"Type": "String", "Default": "",
                           "Description": "the site's own host name (empty: the CloudFront one)"},
            "CertificateArn": {"Type": "String", "Default": "",
                               "Description": "ACM certificate (us-east-1) for SiteDomain"},
            "AlarmEmail": {"Type": "String", "Default": "",
                           "Description": "where alarms are mailed (empty: no subscription)"},
        },
        "Conditions": {
            # a custom host name needs both the name and its certificate
            "HasDomain": {"Fn::And": [
                {"Fn::Not": [{"Fn::Equals": [ref("SiteDomain"), ""]}]},
                {"Fn::Not": [{"Fn::Equals": [ref("CertificateArn"), ""]}]}]},
            "HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [ref("AlarmEmail"), ""]}]},
        },
        "Resources": res,
        "Outputs": {
            "SiteUrl": {"Description": "the public site (and /api/ on the same origin)",
                        "Value": {"Fn::If": ["HasDomain", sub("https://${SiteDomain}/"),
                                             sub("https://${SiteDistribution.DomainName}/")]}},
            "TableName": {"Value": ref("Table")},
            "BucketName": {"Value": ref("SiteBucket")},
            "DistributionId": {"Value": ref("SiteDistribution")},
            "PublishFailuresQueue": {"Value": ref("PublishFailures")},
        },
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--stage", default="dev")
    p.add_argument("--out", required=True, type=Path)
    args = p.parse_args(argv)
    try:
        template = resources(args.stage)
    except ConfigError as err:
        print(f"make_resources: {err}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(template, indent=2, ensure_ascii=False) + "\n"
    if not args.out.exists() or args.out.read_text(encoding="utf-8") != text:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
