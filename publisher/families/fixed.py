"""The fixed pages: the forms (`/write/`, `/track/`, `/staff/`), the 404 page, `robots.txt`
and the theme's static files.

What it reads: content/ (the departments the forms offer, the base URL) and the theme only, so
no store change makes them stale (a redeploy runs a full build).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain import channels
from chalicelib.domain.letters import LetterType, Status, label

from ..keys import PageKey
from ..theme import static_files
from .family import Family, reads_nothing

if TYPE_CHECKING:
    from ..render import Output, Renderer


def form_context(r: Renderer) -> dict:
    """What the forms offer: the departments, the letter types and the states."""
    return {"departments": [{"id": d.id, "name": d.name, "name_en": d.name_en}
                            for d in r.content.departments],
            "letter_types": [{"code": str(t), "zh": label(str(t)), "en": label(str(t), "en")}
                             for t in LetterType],
            "statuses": [str(s) for s in Status],
            # the channels an operator takes letters from (the console's 登记来电来信 form)
            "channels": [{"code": c, "zh": channels.label(c), "en": channels.BY[c]}
                         for c in channels.TAKEN],
            # the leaders' boards a letter may be written to (content/leaders.yaml)
            "leaders": [{"id": x.id, "name": x.name, "name_en": x.name_en, "title": x.title,
                         "title_en": x.title_en} for x in r.content.leaders]}


def write(r: Renderer) -> Output:
    return r.html("write/index.html", "write.html", "write", **form_context(r))


def track(r: Renderer) -> Output:
    return r.html("track/index.html", "track.html", "track", **form_context(r))


def staff(r: Renderer) -> Output:
    return r.html("staff/index.html", "staff.html", "staff", **form_context(r))


def not_found(r: Renderer) -> Output:
    return r.html("404.html", "404.html", None)


def robots(r: Renderer) -> Output:
    text = ("User-agent: *\nDisallow: /staff/\nDisallow: /en/staff/\nDisallow: /api/\n"
            f"Sitemap: {r.content.site.base_url}/sitemap.xml\n")
    return [("robots.txt", text.encode("utf-8"))]


def static(r: Renderer) -> Output:
    out: Output = [(f"theme/{rel}", file.read_bytes())
                   for rel, file in static_files(r.theme_dir)]
    # browsers ask for /favicon.ico whatever the page links (feed readers, bookmarks)
    icon = r.theme_dir / "favicon.ico"
    return out + ([("favicon.ico", icon.read_bytes())] if icon.is_file() else [])


PAGES: tuple[PageKey, ...] = (("write",), ("track",), ("staff",), ("robots",), ("not_found",),
                              ("static",))

FAMILY = Family(
    name="fixed",
    renderers={"write": write, "track": track, "staff": staff, "not_found": not_found,
               "robots": robots, "static": static},
    pages=lambda snap, content: list(PAGES),
    reads=reads_nothing,
)
