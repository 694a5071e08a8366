"""Rendering: one page key in, the bytes of its files out; shared by full and incremental builds.

A page's bytes depend only on the store, `content/` and the theme: inputs are sorted, no build
time or random id reaches a page, and dates are shown in China time. Templates never see a
`Letter`: they get a small dict built from the public version the office approved
(`letter.publication`, already redacted), so contact details cannot reach the site (invariant 2)
and every citizen string is autoescaped by Jinja (invariant 3).

Every HTML page is rendered twice from the same data, in zh-CN at its path and in English under
`en/` (see `i18n.py`): one template per page, which picks its words with `t(zh, en)`.

The `Renderer` holds what every page family shares (the snapshot, content/, the theme, the page
chrome, letter views); each family's pages are rendered by its module in `families/`, found by
page kind through the registry.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from chalicelib.adapters.codec import pub_month
from chalicelib.domain.deadlines import WorkCalendar
from chalicelib.domain.letters import Letter, label
from chalicelib.domain.oversight import public_listing

from . import i18n
from .content import Content
from .families import renderer_for
from .families.league import DATA_COLUMNS
from .formatting import EMPTY_FEED_UPDATED, ZH_LANG, clip, fmt_date, fmt_iso, month_url
from .i18n import HTML_LANG, LANGS
from .keys import LETTER_ID, PageKey, check_letter_id, is_department_id
from .snapshot import Snapshot, snapshot
from .spool import Spool
from .theme import default_theme_dir, environment, reload_theme, static_files

__all__ = ["Renderer", "Output", "content_calendar", "default_theme_dir", "environment",
           "reload_theme", "static_files", "DATA_COLUMNS", "EMPTY_FEED_UPDATED"]

Output = list[tuple[str, bytes | Spool]]   # a spool: a file too big to hold (`spool`)

NAV_URLS = frozenset(href for href, *_ in i18n.NAV)


@lru_cache(maxsize=8)
def _official_calendar(folder: str | None) -> WorkCalendar:
    from chalicelib.adapters.calendars import OfficialCalendar
    return OfficialCalendar(Path(folder) if folder else None)


def content_calendar(content: Content) -> WorkCalendar:
    """The working-day calendar the function uses: content/calendar/ over the official one."""
    folder = content.calendar_dir
    return _official_calendar(str(folder) if folder and Path(folder).is_dir() else None)


# the letter views a renderer keeps (~3 KB each): as many as the SQLite store keeps decoded
# letters, so a board's monthly page rendered after its archive page (`Family.companions`)
# finds its letters' views made already
VIEWS_KEPT = 4096


class Renderer:
    """Renders page keys (see `keys.py`) against one store snapshot and one `Content`; what each
    kind of page shows is in its family's module (`families/`)."""

    def __init__(self, store: Any, content: Content, theme_dir: str | Path | None = None,
                 calendar: WorkCalendar | None = None) -> None:
        self.snap: Snapshot = snapshot(store)
        self.content = content
        self.theme_dir = Path(theme_dir) if theme_dir else default_theme_dir()
        self.env = environment(str(self.theme_dir.resolve()))
        self.weights = content.site.league
        self.calendar = calendar or content_calendar(content)
        self._memo: dict[str, dict] = {}
        self._views_cache: OrderedDict[tuple[str, int], dict] = OrderedDict()
        self._chromes: dict[tuple, tuple[Markup, Markup]] = {}

    def render(self, key: PageKey) -> Output:
        """The files of one page: [(path relative to the site root, bytes)]; [] if it is gone."""
        return renderer_for(key[0])(self, *key[1:])

    def memo(self, name: str) -> dict:
        """A cache a family keeps for the life of this renderer (one build), e.g. league
        tables that several pages show."""
        return self._memo.setdefault(name, {})

    # -- what every family uses --

    def html(self, path: str, template: str, section: str | None = None, **ctx: Any) -> Output:
        """The page in every language from one context: `path` (zh-CN) and `en/` + `path`."""
        tpl = self.env.get_template(template)
        url = "/" + path.removesuffix("index.html")
        indexed = path.endswith("index.html")
        alternates = ([(HTML_LANG[lang], self.abs_url(i18n.url(url, lang))) for lang in LANGS]
                      + [("x-default", self.abs_url(url))]) if indexed else []
        out: Output = []
        for lang in LANGS:
            other = i18n.other(lang)
            chrome_nav, chrome_footer = self._chrome(lang, section, url)
            page = tpl.render(
                **self._lang_context(lang), section=section, path=url,
                chrome_nav=chrome_nav, chrome_footer=chrome_footer,
                canonical=self.abs_url(i18n.url(url, lang)) if indexed else None,
                alternates=alternates, switch_url=i18n.url(url, other),
                switch_lang=HTML_LANG[other], switch_text=i18n.LANG_NAMES[other], **ctx)
            out.append((i18n.out_path(path, lang), page.encode("utf-8")))
        return out

    def _lang_context(self, lang: str) -> dict[str, Any]:
        """What every page template (and the chrome) knows of the page's language."""
        site = self.content.site
        return {"site": site, "lang": lang, "html_lang": HTML_LANG[lang], "en": lang == "en",
                "prefix": i18n.PREFIX[lang], "zh_lang": ZH_LANG if lang == "en" else "",
                "site_name": i18n.t(lang, site.name, site.name_en or site.name)}

    def _chrome(self, lang: str, section: str | None, url: str) -> tuple[Markup, Markup]:
        """The brand and navigation, and the footer, of a page: the same for every page of a
        language and section (a navigation link marks the page itself only on that page), so
        rendered once per renderer instead of once per page."""
        key = (lang, section, url if url in NAV_URLS else None)
        chrome = self._chromes.get(key)
        if chrome is None:
            ctx = {**self._lang_context(lang), "section": section, "path": url}
            chrome = self._chromes[key] = (
                Markup(self.env.get_template("_nav.html").render(ctx)),
                Markup(self.env.get_template("_footer.html").render(ctx)))
        return chrome

    def xml(self, path: str, template: str, **ctx: Any) -> Output:
        page = self.env.get_template(template).render(site=self.content.site, **ctx)
        return [(path, page.encode("utf-8"))]

    def abs_url(self, url: str) -> str:
        return self.content.site.base_url + url

    def dept(self, dept_id: str | None) -> dict | None:
        if not dept_id:
            return None
        d = self.content.department(dept_id)
        return {"id": dept_id, "name": d.name if d else dept_id,
                "name_en": d.name_en if d else dept_id,
                "url": f"/departments/{dept_id}/" if is_department_id(dept_id) else None}

    def dept_or_none(self, dept_id: str | None) -> dict:
        return self.dept(dept_id) or {"id": "", "name": "—", "name_en": "—", "url": None}

    def letter_view(self, letter: Letter) -> dict:
        """What a template may know about a published letter: its public version only."""
        key = (letter.id, letter.version)
        view = self._views_cache.get(key)
        if view is None:
            view = self._views_cache[key] = self._letter_view(letter)
            if len(self._views_cache) > VIEWS_KEPT:
                # the oldest: O(1) (a dict's first key after many pops is a scan of holes)
                self._views_cache.popitem(last=False)
        return view

    def _letter_view(self, letter: Letter) -> dict:
        p = letter.publication
        assert p is not None
        released = letter.released_reply
        ratings = [{"reply_n": r.reply_n, "score": str(r.score), "label": label(str(r.score)),
                    "current": released is not None and r.reply_n == released.n,
                    # the writer's own answer, no personal data (rates.py)
                    "resolved": str(r.resolved) if r.resolved else None}
                   for r in sorted(letter.ratings, key=lambda r: r.reply_n)]
        month = pub_month(letter) or ""
        url = f"/letters/{check_letter_id(letter.id)}/"
        return {
            "id": letter.id, "url": url, "abs_url": self.abs_url(url),
            "subject": p.subject, "body": list(p.body), "reply": list(p.reply),
            "name": p.name, "type": str(letter.type),
            "type_label": label(str(letter.type)),
            "type_label_en": label(str(letter.type), "en"), "category": p.category,
            "department": self.dept(letter.department or p.reply_department),
            "reply_department": self.dept(p.reply_department),
            "submitted_at": letter.submitted_at, "reply_at": p.reply_at,
            "published_at": p.first_published_at, "approved_at": p.approved_at,
            # formatted once here: long lists and the letter page show them in every language
            "published_iso": fmt_iso(p.first_published_at),
            "published_date": fmt_date(p.first_published_at),
            "submitted_iso": fmt_iso(letter.submitted_at),
            "submitted_date": fmt_date(letter.submitted_at),
            "reply_iso": fmt_iso(p.reply_at), "reply_date": fmt_date(p.reply_at),
            "month": month, "month_url": month_url(month) if month else None,
            "ratings": ratings, "rating": next((r for r in ratings if r["current"]), None),
            "votes_up": letter.votes_up, "votes_down": letter.votes_down,
            "redo": str(letter.status) == "redo",
            "summary": clip(" ".join(p.body), 120),
            # the leader's board it was written to (写给：市长), never an escalation
            "leader": self._leader(letter.leader),

            "listing": public_listing(letter),       # 挂牌督办 (domain/oversight.py)
        }

    def _leader(self, leader_id: str | None) -> dict | None:
        leader = self.content.leaders_by_id.get(leader_id or "")
        if leader is None:
            return None
        return {"id": leader.id, "name": leader.name, "name_en": leader.name_en,
                "title": leader.title, "title_en": leader.title_en,
                "url": f"/leaders/{leader.id}/"}

    def views(self, letters: Iterable[Letter]) -> list[dict]:
        """The views of those of `letters` that are published and can have a page."""
        return [self.letter_view(l) for l in letters
                if l.publication is not None and LETTER_ID.match(l.id)]
