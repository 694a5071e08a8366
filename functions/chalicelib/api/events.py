"""Event handlers of the function: the DynamoDB stream (publish on change), the schedule, and
the search indexer's schedule.

The stream handler and the indexer work through the `Publisher` port the composition root
gives them (`bootstrap.App.site_publisher`, built on the first event, so the API's cold start
never pays for the renderer, Jinja2 or Pagefind); this module knows nothing of `publisher/`.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from .. import bootstrap
from ..services import supervision
from ..services.ports import Change

log = logging.getLogger("wenzheng.events")


def changes_in(records: list[dict[str, Any]]) -> list[Change]:
    """The outbox change records among a stream batch (new CHANGE# items only)."""
    out = []
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        image = record.get("dynamodb", {}).get("NewImage", {})
        if not image.get("pk", {}).get("S", "").startswith("CHANGE#"):
            continue
        out.append(Change.from_dict(json.loads(image["doc"]["S"])))
    return out


def on_stream(event: Any) -> list[str]:
    records = [r.to_dict() if hasattr(r, "to_dict") else r for r in event]
    changes = changes_in(records)
    if not changes:
        return []
    publisher = bootstrap.app().site_publisher()
    pages = publisher.publish(changes)
    # clear the pending marker (unless a full build is under way, which publishes them again
    # after its switch); a batch that failed above is retried by the stream instead
    publisher.settle(changes)
    log.info("published %d pages for %d changes", len(pages), len(changes))
    return sorted(map(str, pages))


def on_schedule() -> dict:
    """Lights, rating follow-ups and the office digest, then delivery of pending notifications
    (the publisher follows through the stream: each recorded change is a change record)."""
    composed = bootstrap.app()
    result = supervision.run_scheduled(composed.ctx, composed.notification_sender())
    log.info("tick: %s", json.dumps({k: v for k, v in result.items() if k != "at"},
                                    ensure_ascii=False))
    return result


def on_search_schedule() -> dict:
    """The deferred pages and the search indexer, every minute. The open-data month files and
    the channel figures that publishing only marked are rendered, each once. Then the indexer
    rebuilds the shards the published changes marked
    (publishing a reply only marks its month), so a reply is found by /search/ within about a
    minute. Pagefind missing or failing is in the summary and the log, never an exception:
    the marks stay and the next minute tries again."""
    publisher = bootstrap.app().site_publisher()
    # first the pages publishing left for the minute (the open-data month files, the channel
    # figures: publisher.deferred), so the index run below tells the CDN after them
    refreshed = publisher.refresh()
    if refreshed:
        log.info("refreshed %d deferred page(s)", len(refreshed))
    summary = publisher.index_search()
    if summary.get("error"):
        # INDEX_FAILURE_PATTERN in infra/make_resources.py counts these lines (an alarm)
        log.error("search index not updated: %s", summary["error"])
    elif summary.get("shards") or summary.get("files"):
        log.info("search index: %s", json.dumps(summary, ensure_ascii=False))
    return summary
