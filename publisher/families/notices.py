"""The notices (公告): `/notices/` and `/notices/{slug}/`, written in content/notices/.

What it reads: content/ only. Notices change by commit and redeploy, which runs a full build, so
no store change makes them stale.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .family import Family, reads_nothing

if TYPE_CHECKING:
    from ..render import Output, Renderer


def notices(r: Renderer) -> Output:
    return r.html("notices/index.html", "notices.html", "notices",
                  notices=list(r.content.notices))


def notice(r: Renderer, slug: str) -> Output:
    found = r.content.notice(slug)
    if found is None:
        return []
    return r.html(f"notices/{slug}/index.html", "notice.html", "notices", notice=found)


FAMILY = Family(
    name="notices",
    renderers={"notices": notices, "notice": notice},
    pages=lambda snap, content: [("notices",)] + [("notice", n.slug) for n in content.notices],
    reads=reads_nothing,
)
