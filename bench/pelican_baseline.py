"""Stock Pelican building the same letters as Markdown articles with its default theme.

Each letter becomes `content/{id}.md`: the subject as Title, the first publication as Date, the
department as Category, the id as Slug (Chinese titles would otherwise collide), then the
letter's paragraphs and the reply's under a "答复" heading, separated by blank lines. The text is
the same public version our site shows (redacted, split into paragraphs).

Settings are Pelican's defaults (theme `notmyidea`, feeds, category/tag/author/archive pages,
no content cache) except the paths, the site name, the time zone and the language; see
`SETTINGS`. The timed part is `Pelican(settings).run()`: reading and converting every Markdown
file and writing the site. Writing the Markdown files is not timed.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from bench import data

SETTINGS = {
    "SITENAME": "问政·江城市",
    "SITEURL": "",
    "TIMEZONE": "Asia/Shanghai",
    "DEFAULT_LANG": "zh",
}


def write_markdown(sources: list[data.Source], size: int, folder: Path) -> int:
    from chalicelib.bootstrap import load_departments

    departments = load_departments(data.CONTENT_DIR)
    depts = [(d.id, tuple(d.categories)) for d in departments.values()]
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for spec in data.specs(sources, depts, size):
        src = spec.source
        title = " ".join(src.public_subject.split())
        lines = [f"Title: {title}",
                 f"Date: {spec.published_at.strftime('%Y-%m-%d %H:%M')}",
                 f"Category: {departments[spec.department].name}",
                 f"Slug: {spec.id}", ""]
        lines += [p + "\n" for p in src.public_body]
        lines += ["## 答复", ""]
        lines += [p + "\n" for p in src.public_reply]
        (folder / f"{spec.id}.md").write_text("\n".join(lines), encoding="utf-8")
        n += 1
    return n


def build(content: Path, output: Path) -> tuple[float, dict]:
    """Run stock Pelican; returns (seconds, the settings that differ from its defaults)."""
    from pelican import Pelican
    from pelican.settings import read_settings

    logging.getLogger("pelican").setLevel(logging.ERROR)
    override = {**SETTINGS, "PATH": str(content.resolve()), "OUTPUT_PATH": str(output.resolve())}
    settings = read_settings(None, override=override)
    t0 = time.perf_counter()
    Pelican(settings).run()
    return time.perf_counter() - t0, {k: v for k, v in override.items()
                                      if k not in ("PATH", "OUTPUT_PATH")}
