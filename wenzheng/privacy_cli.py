"""`wenzheng privacy`: personal data over time (services/privacy.py).

    wenzheng privacy purge [--dry-run] [--now WHEN]   remove personal data past its retention
    wenzheng privacy access LETTER_ID                  who read a letter's private fields
"""
from __future__ import annotations

import argparse
import json
from typing import Any


def _compose(args: argparse.Namespace) -> Any:
    """The composition of the settings (`--data` overrides $WENZHENG_DATA), as cli's."""
    from pathlib import Path

    from chalicelib import bootstrap
    settings = bootstrap.Settings.from_env()
    if getattr(args, "data", None):
        settings.data_dir = Path(args.data)
    composed = bootstrap.build(settings, clock=bootstrap.real_clock)
    bootstrap.use(composed)
    return composed


def cmd_purge(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services import privacy
    composed = _compose(args)
    now = bootstrap.parse_instant(args.now) if args.now else composed.ctx.clock()
    result = privacy.purge_past_retention(composed.ctx, now, dry_run=args.dry_run)
    if not args.dry_run:
        result["published_changes"] = composed.site_publisher().drain()
    print(json.dumps(result, ensure_ascii=False))
    verb = "would purge" if args.dry_run else "purged"
    print(f"{verb} {len(result['due'] if args.dry_run else result['purged']):,} letters "
          f"finished before {result['finished_before']}", flush=True)
    return 0


def cmd_access(args: argparse.Namespace) -> int:
    from chalicelib.domain.errors import NotFound
    composed = _compose(args)
    store = composed.ctx.store
    if store.get_letter(args.letter_id) is None:
        raise NotFound("letter_not_found")
    for record in store.access_records(args.letter_id):
        print(f"{record['at']}  {record['who']}  {record['what']}")
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    """On DynamoDB, once after the deploy that adds the retention list: put the letters
    finished before it on the list (SQLite does it when the file opens, migration 16)."""
    composed = _compose(args)
    backfill = getattr(composed.ctx.store, "backfill_retention_entries", None)
    if backfill is None:
        print("nothing to do: this store lists them when it opens")
        return 0
    print(f"{backfill():,} finished letters put on the retention list")
    return 0


def add_commands(sub: Any, data: Any) -> None:
    """The `privacy` subcommands (called from cli.parser)."""
    pv = sub.add_parser("privacy", help="personal data over time (content/retention.yaml)")
    psub = pv.add_subparsers(dest="privacy_command", required=True)
    pg = psub.add_parser("purge", help="remove names, phones and e-mails of letters finished "
                         "longer ago than the retention period; counts and public versions stay")
    pg.add_argument("--dry-run", action="store_true", help="list the letters, change nothing")
    pg.add_argument("--now", help="the instant to measure from (default: now)")
    data(pg)
    pg.set_defaults(fn=cmd_purge)
    bf = psub.add_parser("backfill", help="once, on DynamoDB, after the deploy that adds the "
                         "retention list: put the letters finished before it on the list")
    data(bf)
    bf.set_defaults(fn=cmd_backfill)
    ac = psub.add_parser("access", help="every recorded staff read of a letter's private fields")
    ac.add_argument("letter_id")
    data(ac)
    ac.set_defaults(fn=cmd_access)
