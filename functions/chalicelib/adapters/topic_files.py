"""Consultation topics as the web team commits them: `content/{hearings,deliberations,
solicitations,surveys,interviews}/*.md`, YAML front matter and a Markdown background (schema:
content/consultations.md). Part of the content loader (`content.load_content` holds them in
`Content.topics`).

`load_topics` reads and checks every file (`consultations.parse_topic`) and fails on the first
problem with a `ContentError` naming the file and the field, so a bad commit stops the build
instead of publishing half a consultation. The CLI then registers the topics in the store
(`services.topics.register_topics`).
"""
from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from ..domain.consultations import FOLDERS, Topic, TopicError, parse_topic
from .content_files import ContentError, load_departments, read_text, split_front_matter

# the name this error had before content/ had one loader
TopicFileError = ContentError


def load_topic(path: Path, kind: str, departments: Collection[str],
               source: str | None = None) -> Topic:
    meta, body = split_front_matter(path, read_text(path))
    try:
        return parse_topic(kind, meta, background=body, departments=departments,
                           source=source or path.name)
    except TopicError as err:
        raise ContentError(path, err.field, err.message) from None


def topic_paths(content_dir: Path) -> list[tuple[Path, str]]:
    """Every topic file under content/, with its kind, in folder then name order."""
    out = []
    for folder, kind in sorted(FOLDERS.items()):
        here = content_dir / folder
        if not here.is_dir():
            continue
        for path in sorted(here.glob("*.md")):
            if path.name.startswith(("_", ".")) or path.name.lower() == "readme.md":
                continue
            out.append((path, str(kind)))
    return out


def load_topics(content_dir: str | Path, departments: Collection[str] | None = None
                ) -> list[Topic]:
    """Every topic defined under `content_dir`, checked; ids are unique across kinds. Without
    `departments`, those of the content's departments.yaml."""
    content_dir = Path(content_dir)
    if departments is None:
        departments = set(load_departments(content_dir))
    topics: list[Topic] = []
    first: dict[str, Path] = {}
    for path, kind in topic_paths(content_dir):
        topic = load_topic(path, kind, departments,
                           source=path.relative_to(content_dir).as_posix())
        if topic.id in first:
            raise ContentError(path, "id", f"duplicate topic id {topic.id!r} (also in "
                                           f"{first[topic.id]})")
        first[topic.id] = path
        topics.append(topic)
    return topics
