"""Consultation topics as the web team commits them: `content/{hearings,deliberations,
solicitations,surveys,interviews}/*.md`, YAML front matter and a Markdown background (schema:
content/consultations.md).

`load_topics` reads and checks every file (`consultations.parse_topic`) and fails on the first
problem with a `TopicFileError` naming the file and the field, so a bad commit stops the build
instead of publishing half a consultation. The CLI then registers the topics in the store
(`topic_services.register_topics`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Collection

import yaml

from ..domain.consultations import FOLDERS, Topic, TopicError, parse_topic


class TopicFileError(ValueError):
    """A topic file is malformed; `file` and `field` say where."""

    def __init__(self, file: str | Path, field: str | None, message: str) -> None:
        self.file = str(file)
        self.field = field
        where = f"{self.file}: {field}" if field else self.file
        super().__init__(f"{where}: {message}")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML with dates and times left as text: `parse_topic` reads them (China time when
    no offset is written) and a bad one is an error naming the field, not a parser crash."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def split_front_matter(path: Path, raw: str) -> tuple[dict, str]:
    """The front matter (a mapping) and the Markdown body of one file."""
    raw = raw.lstrip("\ufeff")
    lines = raw.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise TopicFileError(path, None, "must start with a YAML front matter block between "
                                         "'---' lines")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise TopicFileError(path, None, "the front matter block is not closed with '---'")
    try:
        meta = yaml.load("".join(lines[1:end]), Loader=_Loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise TopicFileError(path, None, f"the front matter is not valid YAML{where}: "
                                         f"{getattr(exc, 'problem', exc)}") from None
    if not isinstance(meta, dict):
        raise TopicFileError(path, None, "the front matter must be a mapping of fields")
    return meta, "".join(lines[end + 1:])


def load_topic(path: Path, kind: str, departments: Collection[str],
               source: str | None = None) -> Topic:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicFileError(path, None, f"cannot be read: {exc}") from None
    meta, body = split_front_matter(path, raw)
    try:
        return parse_topic(kind, meta, background=body, departments=departments,
                           source=source or path.name)
    except TopicError as err:
        raise TopicFileError(path, err.field, err.message) from None


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
    """Every topic defined under `content_dir`, checked; ids are unique across kinds."""
    content_dir = Path(content_dir)
    if departments is None:
        from ..bootstrap import load_departments
        departments = set(load_departments(content_dir))
    topics: list[Topic] = []
    first: dict[str, Path] = {}
    for path, kind in topic_paths(content_dir):
        topic = load_topic(path, kind, departments,
                           source=path.relative_to(content_dir).as_posix())
        if topic.id in first:
            raise TopicFileError(path, "id", f"duplicate topic id {topic.id!r} (also in "
                                             f"{first[topic.id]})")
        first[topic.id] = path
        topics.append(topic)
    return topics
