"""The channel files with letters from every channel, WeChat included, pass the privacy scans
of published files (only codes, names and counts) and hold the JSON's rows in the CSV."""
from __future__ import annotations

import json

from sitecheck import personal_data_on_site

from chalicelib.domain import channels
from publisher.families.channels import channels_data


class _Snap:
    def __init__(self, rows):
        self.rows = rows

    def submitted_months(self):
        return ["2026-11"]

    def open_rows_in_month(self, month):
        return self.rows


class _Renderer:
    def __init__(self, rows, content):
        self.snap, self.content = _Snap(rows), content


def test_every_channel_and_department_publishes_no_personal_data(content):
    depts = [d.id for d in content.departments]
    rows = [{"channel": ch, "department": depts[i % len(depts)] if i % 3 else None,
             "status": "published", "replied_at": "2026-11-20T10:00:00+08:00",
             "rating": "satisfied"} for i, ch in enumerate(channels.ALL * 3)]
    files = dict(channels_data(_Renderer(rows, content), "2026-11"))
    assert set(files) == {"data/channels-2026-11.json", "data/channels-2026-11.csv"}
    assert personal_data_on_site(files) == []
    doc = json.loads(files["data/channels-2026-11.json"])
    assert [c["channel"] for c in doc["channels"]] == list(channels.ALL)
    assert doc["total"]["received"] == len(rows)
    assert len(files["data/channels-2026-11.csv"].decode().splitlines()) == len(doc["rows"]) + 1
