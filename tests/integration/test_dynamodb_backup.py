"""DynamoDB backups (adapters/dynamodb_backup.py, `wenzheng backup|restore --store dynamodb`):
an export to S3 from point-in-time recovery and a point-in-time restore into a new table that
gets the stream, TTL and PITR back, against moto (never real AWS)."""
from __future__ import annotations

import argparse
import os

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters import dynamodb_backup as D
from chalicelib.adapters import dynamodb_table as T
from wenzheng import backup as backup_cli

TABLE = "wenzheng-dev"


@pytest.fixture
def aws():
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        T.create_table(client, TABLE)
        client.put_item(TableName=TABLE, Item={"pk": {"S": "LETTER#l1"}, "sk": {"S": "LETTER"}})
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="wz-backups")
        yield client


def test_export_to_s3_from_point_in_time_recovery(aws):
    export = D.export_to_s3(aws, TABLE, "wz-backups", "exports/dev")
    assert export.arn.startswith("arn:aws:dynamodb:")
    assert export.s3_uri == "s3://wz-backups/exports/dev"
    described = aws.describe_export(ExportArn=export.arn)["ExportDescription"]
    assert described["S3Bucket"] == "wz-backups"
    assert described["ExportFormat"] == "DYNAMODB_JSON"


def test_an_export_needs_pitr(aws):
    aws.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})
    with pytest.raises(D.BackupError, match="point-in-time recovery is off"):
        D.export_to_s3(aws, TABLE, "wz-backups", "exports/dev")


def test_restore_into_a_new_table_with_stream_ttl_and_pitr(aws):
    table = D.restore_to_table(aws, TABLE, "wenzheng-dev-restored")
    assert table["TableName"] == "wenzheng-dev-restored"
    assert table["StreamSpecification"]["StreamEnabled"]
    assert aws.describe_time_to_live(TableName="wenzheng-dev-restored")[
        "TimeToLiveDescription"]["AttributeName"] == T.TTL_ATTRIBUTE
    assert D.pitr_enabled(aws, "wenzheng-dev-restored")
    item = aws.get_item(TableName="wenzheng-dev-restored",
                        Key={"pk": {"S": "LETTER#l1"}, "sk": {"S": "LETTER"}})
    assert "Item" in item
    with pytest.raises(D.BackupError):            # never over an existing table
        D.restore_to_table(aws, TABLE, TABLE)


def args(**over) -> argparse.Namespace:
    base = {"data": None, "store": "dynamodb", "at": None, "dry_run": False, "out": None,
            "file": None, "target": None, "force": False}
    base.update(over)
    return argparse.Namespace(**base)


def test_the_cli_exports_and_restores(aws, capsys, monkeypatch):
    monkeypatch.setenv("WENZHENG_TABLE", TABLE)
    assert backup_cli.cmd_backup(args(out="s3://wz-backups/nightly"), aws) == 0
    assert "export of wenzheng-dev started" in capsys.readouterr().out
    assert backup_cli.cmd_restore(args(target="wenzheng-dev-2"), aws) == 0
    out = capsys.readouterr().out
    assert "WENZHENG_TABLE=wenzheng-dev-2" in out


def test_dry_run_prints_the_aws_commands(capsys, monkeypatch):
    monkeypatch.setenv("WENZHENG_TABLE", TABLE)
    assert backup_cli.cmd_backup(args(out="s3://wz-backups/nightly", dry_run=True)) == 0
    lines = capsys.readouterr().out
    assert "aws dynamodb export-table-to-point-in-time" in lines
    assert "--s3-bucket wz-backups" in lines
    assert backup_cli.cmd_restore(args(target="wenzheng-dev-2", dry_run=True)) == 0
    lines = capsys.readouterr().out
    assert ("aws dynamodb restore-table-to-point-in-time --source-table-name wenzheng-dev"
            " --target-table-name wenzheng-dev-2 --use-latest-restorable-time") in lines
    assert "update-continuous-backups --table-name wenzheng-dev-2" in lines
