"""`wenzheng backup` and `wenzheng restore`: a consistent copy of the store and back.

The embedded store (SQLite): `adapters/sqlite_backup.py` (online backup API, checked, migrated
on restore). DynamoDB (`--store dynamodb`): point-in-time recovery and exports to S3,
`adapters/dynamodb_backup.py`; `--dry-run` prints the AWS CLI lines instead of calling AWS.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from chalicelib import bootstrap


def _settings(args: argparse.Namespace) -> bootstrap.Settings:
    from pathlib import Path
    settings = bootstrap.Settings.from_env()
    if getattr(args, "data", None):
        settings.data_dir = Path(args.data)
    return settings


def _when(text: str | None) -> datetime | None:
    return bootstrap.parse_instant(text) if text else None


def _dynamo_client() -> Any:
    import boto3
    return boto3.client("dynamodb")


def _reported(run: Any) -> Any:
    """A store or backup failure as one line on stderr and exit status 2 (not a traceback)."""
    import functools
    import sys

    from chalicelib.domain.errors import StoreError

    @functools.wraps(run)
    def command(args: argparse.Namespace, client: Any = None) -> int:
        try:
            code: int = run(args, client)
            return code
        except StoreError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    return command


@_reported
def cmd_backup(args: argparse.Namespace, client: Any = None) -> int:
    settings = _settings(args)
    store = args.store or settings.store
    if store == "dynamodb":
        from chalicelib.adapters import dynamodb_backup as D
        if not args.out.startswith("s3://"):
            print("error: --out for DynamoDB is s3://BUCKET/PREFIX (an export to S3)")
            return 2
        bucket, _, prefix = args.out[len("s3://"):].partition("/")
        prefix = prefix or f"exports/{settings.table}"
        if args.dry_run:
            print("\n".join(D.commands(settings.table, bucket=bucket, prefix=prefix,
                                       at=_when(args.at))))
            return 0
        export = D.export_to_s3(client or _dynamo_client(), settings.table, bucket, prefix,
                                _when(args.at))
        print(f"export of {settings.table} started: {export.arn} ({export.status}) into "
              f"{export.s3_uri}; aws dynamodb describe-export --export-arn {export.arn} "
              "says when it is done")
        return 0
    from chalicelib.adapters.sqlite_backup import backup
    summary = backup(settings.sqlite_path, args.out)
    print(f"backup of {settings.sqlite_path} written to {summary.path}: {summary.letters:,} "
          f"letters, {summary.events:,} events, {summary.accounts:,} accounts, "
          f"{summary.bytes:,} bytes (integrity checked)")
    return 0


@_reported
def cmd_restore(args: argparse.Namespace, client: Any = None) -> int:
    settings = _settings(args)
    store = args.store or settings.store
    if store == "dynamodb":
        from chalicelib.adapters import dynamodb_backup as D
        source = args.file or settings.table
        target = args.target or f"{source}-restored-{datetime.now().strftime('%Y%m%d%H%M')}"
        if args.dry_run:
            print("\n".join(D.commands(source, target=target, at=_when(args.at))))
            return 0
        table = D.restore_to_table(client or _dynamo_client(), source, target, _when(args.at))
        print(json.dumps({"restored": target, "status": table.get("TableStatus"),
                          "stream": table.get("LatestStreamArn")}, ensure_ascii=False))
        print(f"point the stage at it: WENZHENG_TABLE={target} (see README, Backups)")
        return 0
    if not args.file:
        print("error: restore FILE: the backup file to restore")
        return 2
    from chalicelib.adapters.sqlite_backup import restore
    summary = restore(args.file, settings.sqlite_path, force=args.force)
    print(f"restored {args.file} into {summary.path}: " + json.dumps(
        {k: v for k, v in asdict(summary).items() if k != "path"}))
    return 0


def add_commands(sub: Any, data: Any) -> None:
    """The `backup` and `restore` subcommands (called from cli.parser)."""
    b = sub.add_parser("backup", help="a consistent copy of the store (SQLite online backup; "
                       "DynamoDB: an export to S3 from point-in-time recovery)")
    b.add_argument("--out", required=True, help="FILE, or s3://BUCKET/PREFIX for DynamoDB")
    b.add_argument("--store", choices=("sqlite", "dynamodb"),
                   help="default $WENZHENG_STORE")
    b.add_argument("--at", help="DynamoDB: the instant to export (within the PITR window)")
    b.add_argument("--dry-run", action="store_true", help="DynamoDB: print the AWS CLI lines")
    data(b)
    b.set_defaults(fn=cmd_backup)
    r = sub.add_parser("restore", help="restore a backup into an empty store (SQLite: checked "
                       "and migrated; DynamoDB: point-in-time restore into a new table)")
    r.add_argument("file", nargs="?", help="the backup file (DynamoDB: the source table, "
                   "default $WENZHENG_TABLE)")
    r.add_argument("--force", action="store_true",
                   help="replace a store that holds letters or accounts")
    r.add_argument("--store", choices=("sqlite", "dynamodb"))
    r.add_argument("--target", help="DynamoDB: the new table's name")
    r.add_argument("--at", help="DynamoDB: the instant to restore (default: latest)")
    r.add_argument("--dry-run", action="store_true", help="DynamoDB: print the AWS CLI lines")
    data(r)
    r.set_defaults(fn=cmd_restore)
