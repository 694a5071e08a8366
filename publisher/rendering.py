"""Rendering a list of page keys into a sink: what the full build, the incremental publish and
the deferred pages' refresh share (`publisher.build`, `publisher.deferred`)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import pages as P
from .render import Renderer
from .sinks import Sink, put

__all__ = ["BuildResult", "Progress", "render_pages"]

Progress = Callable[[int, int], None]


@dataclass
class BuildResult:
    pages: int = 0                        # page keys rendered
    files: int = 0                        # files rendered
    changed: list[str] = field(default_factory=list)   # files written or deleted
    deleted: list[str] = field(default_factory=list)
    letters: int = 0                      # published letters on the site (full builds)


def render_pages(renderer: Renderer, keys: Iterable[P.PageKey], sink: Sink,
                 result: BuildResult, written: set[str] | None = None,
                 progress: Progress | None = None, total: int = 0) -> None:
    """Render each key once and write its files; delete files of pages that are gone."""
    for key in keys:
        outputs = renderer.render(key)
        result.pages += 1
        paths = set()
        for path, data in outputs:
            put(sink, path, data)
            paths.add(path)
            result.files += 1
        if written is not None:
            written |= paths
        for path in P.output_paths(key) or ():
            if path not in paths and sink.delete(path):
                result.deleted.append(path)
        if progress is not None:
            progress(result.pages, total)
