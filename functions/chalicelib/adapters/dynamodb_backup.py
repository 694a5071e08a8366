"""Backups of the DynamoDB store: point-in-time recovery (PITR, on for the table the template
and `dynamodb_table.create_table` define) and exports to S3.

- `export_to_s3`: `ExportTableToPointInTime` of the table (now, or an instant within the PITR
  window of 35 days) into `s3://BUCKET/PREFIX/` as DynamoDB JSON; it reads no capacity from
  the table, the export runs on AWS's side (`describe_export` tells when it is done).
- `restore_to_table`: `RestoreTableToPointInTime` into a NEW table (DynamoDB never restores
  over a table), then, once it is active, the settings a restore does not carry: the stream
  (the publisher's event source), TTL on `ttl` and PITR itself.

`commands` gives the same steps as AWS CLI lines, for `--dry-run` and for the operator who
prefers to type them. No function here reads credentials; the client comes from the caller.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.errors import StoreError
from . import dynamodb_table as T


class BackupError(StoreError):
    """A backup or restore call failed (PITR off, no such table, the target exists, ...)."""


@dataclass(frozen=True)
class Export:
    arn: str
    status: str
    s3_uri: str


def _call(client: Any, operation: str, **kwargs: Any) -> dict:
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        return getattr(client, operation)(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise BackupError(f"{operation} failed: {exc}") from exc


def pitr_enabled(client: Any, table: str) -> bool:
    desc = _call(client, "describe_continuous_backups", TableName=table)
    pitr = desc["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
    return pitr.get("PointInTimeRecoveryStatus") == "ENABLED"


def export_to_s3(client: Any, table: str, bucket: str, prefix: str,
                 at: datetime | None = None) -> Export:
    """Start an export of `table` as of `at` (default: now) into s3://bucket/prefix/."""
    if not pitr_enabled(client, table):
        raise BackupError(f"point-in-time recovery is off for {table}: an export needs it "
                          f"(aws dynamodb update-continuous-backups --table-name {table} "
                          "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true)")
    arn = _call(client, "describe_table", TableName=table)["Table"]["TableArn"]
    kwargs: dict[str, Any] = {"TableArn": arn, "S3Bucket": bucket, "S3Prefix": prefix,
                              "ExportFormat": "DYNAMODB_JSON"}
    if at is not None:
        kwargs["ExportTime"] = at
    desc = _call(client, "export_table_to_point_in_time", **kwargs)["ExportDescription"]
    return Export(desc["ExportArn"], desc["ExportStatus"], f"s3://{bucket}/{prefix}")


def restore_to_table(client: Any, source: str, target: str, at: datetime | None = None,
                     *, wait: bool = True) -> dict:
    """Restore `source` as of `at` (default: the latest restorable time) into the new table
    `target`; with `wait`, also turn on its stream, TTL and PITR once it is active."""
    kwargs: dict[str, Any] = {"SourceTableName": source, "TargetTableName": target}
    if at is None:
        kwargs["UseLatestRestorableTime"] = True
    else:
        kwargs["RestoreDateTime"] = at
    desc = _call(client, "restore_table_to_point_in_time", **kwargs)["TableDescription"]
    if not wait:
        return desc
    client.get_waiter("table_exists").wait(TableName=target,
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 600})
    spec = T.table_properties(None)
    stream = spec["StreamSpecification"]
    current = _call(client, "describe_table", TableName=target)["Table"]
    if not current.get("StreamSpecification", {}).get("StreamEnabled"):
        _call(client, "update_table", TableName=target, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": stream["StreamViewType"]})
    _call(client, "update_time_to_live", TableName=target, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": spec["TimeToLiveSpecification"]["AttributeName"]})
    _call(client, "update_continuous_backups", TableName=target,
          PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    return _call(client, "describe_table", TableName=target)["Table"]


def commands(table: str, *, bucket: str | None = None, prefix: str = "",
             target: str | None = None, at: datetime | None = None) -> list[str]:
    """The AWS CLI lines of an export (with `bucket`) or a restore (with `target`)."""
    lines: list[str] = []
    when = f" --export-time {at.isoformat()}" if at else ""
    if bucket:
        lines += [
            f"ARN=$(aws dynamodb describe-table --table-name {table} "
            "--query Table.TableArn --output text)",
            f"aws dynamodb export-table-to-point-in-time --table-arn $ARN --s3-bucket {bucket}"
            f" --s3-prefix {prefix} --export-format DYNAMODB_JSON{when}",
            "aws dynamodb describe-export --export-arn <ExportArn printed above>"]
    if target:
        point = (f"--restore-date-time {at.isoformat()}" if at
                 else "--use-latest-restorable-time")
        lines += [
            f"aws dynamodb restore-table-to-point-in-time --source-table-name {table}"
            f" --target-table-name {target} {point}",
            f"aws dynamodb wait table-exists --table-name {target}",
            f"aws dynamodb update-table --table-name {target} --stream-specification"
            " StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES",
            f"aws dynamodb update-time-to-live --table-name {target} "
            "--time-to-live-specification Enabled=true,AttributeName=ttl",
            f"aws dynamodb update-continuous-backups --table-name {target} "
            "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true"]
    return lines
