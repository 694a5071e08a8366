"""Rendering: one page key in, the bytes of its files out; shared by full and incremental builds.

A page's bytes depend only on the store, `content/` and the theme: inputs are sorted, no build
time or random id reaches a page, and dates are shown in China time. Templates never see a
`Letter`: they get a small dict built from the public version the office approved
(`letter.publication`, already redacted), so contact details cannot reach the site (invariant 2)
and every citizen string is autoescaped by Jinja (invariant 3).

Every HTML page is rendered twice from the same data, in zh-CN at its path and in English under
`en/` (see `i18n.py`): one template per page, which picks its words with `t(zh, en)`.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.runtime import Context
from markupsafe import Markup, escape

from chalicelib.domain import exposure
from chalicelib.adapters.codec import pub_month
from chalicelib.domain.deadlines import CHINA_TZ, WorkCalendar
from chalicelib.domain.letters import Letter, LetterType, Status, label
from chalicelib.domain.privacy import redact
from chalicelib.domain.statistics import (RATES, figures, league, month_of, previous_period, scored,
                                   totals, with_rank_changes)

from . import i18n
from . import pages as P
from .content import Content
from .i18n import HTML_LANG, LANGS, month_label, period_label
from .snapshot import Snapshot, snapshot
from .topic_pages import TopicPages

CHINA_TZ = timezone(timedelta(hours=8))    # the same offset as chalicelib.domain.deadlines.CHINA_TZ
EMPTY_FEED_UPDATED = "1970-01-01T00:00:00Z"   # an empty feed still needs a fixed <updated>

# Columns of /data/league-{period}.json and .csv, in order. API.md lists the first ones; the
# names are stable (people's programs read them): add new columns at the end, never rename.
DATA_COLUMNS: tuple[str, ...] = (
    "rank", "department", "department_name", "received", "replied", "reply_rate",
    "replied_on_time", "on_time_rate", "overdue", "rated", "satisfied", "basically_satisfied",
    "unsatisfied", "satisfaction_rate", "score", "ranked", "handled", "transferred", "rejected",
    "signed", "signed_on_time", "sign_on_time_rate", "avg_working_days", "extensions", "redos",
    "published",
    # the assessment (考核) and the rank change against the previous period
    "efficiency", "quality", "unranked_reason", "previous_rank", "rank_change", "movement",
    "satisfied_rate", "unsatisfied_rate", "extension_rate", "transfer_rate", "redo_rate",
    "late_replies", "late_reply_days", "avg_days_late",
    # each rate's 95 % Wilson score interval
    *(f"{rate}_{end}" for rate in RATES for end in ("low", "high")),
    # replies rated 不满意 that the office kept instead of a re-do (they stay in `unsatisfied`)
    "kept",
)

# --- formatting --------------------------------------------------------------------------------

def local(at: datetime) -> datetime:
    return at.astimezone(CHINA_TZ)


def fmt_date(at: datetime | date | None) -> str:
    if at is None:
        return ""
    if isinstance(at, datetime):
        at = local(at)
    return at.strftime("%Y-%m-%d")


def fmt_datetime(at: datetime | None) -> str:
    return local(at).strftime("%Y-%m-%d %H:%M") if at else ""


def fmt_iso(at: datetime | None) -> str:
    return local(at).replace(microsecond=0).isoformat() if at else ""


def fmt_pct(value: float | None) -> str:
    """0.9285 → "92.9%": half up on the decimal figure (rates are stored to 4 places), so the
    page agrees with a hand computation, not with the float nearest to it."""
    if value is None:
        return "—"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def fmt_num(value: Any) -> str:
    return "—" if value is None else str(value)


def fmt_share(value: float) -> str:
    """A weight as a percentage: 0.6 → "60%", 0.125 → "12.5%"."""
    text = f"{value * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def fmt_days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def month_url(month: str, page: int = 1) -> str:
    return "/" + P.month_page_path(month, page).removesuffix("index.html")


def shift_month(month: str, delta: int) -> str:
    year, mm = (int(x) for x in month.split("-"))
    n = year * 12 + (mm - 1) + delta
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# --- the Jinja environment, one per theme --------------------------------------------------------

def default_theme_dir() -> Path:
    """`<repo>/site/theme` in the source tree, else `$WENZHENG_THEME`."""
    here = Path(__file__).resolve().parent.parent / "site" / "theme"
    if (here / "templates").is_dir():
        return here
    env = os.environ.get("WENZHENG_THEME")
    if env and (Path(env) / "templates").is_dir():
        return Path(env)
    raise FileNotFoundError("theme not found: run from the source tree or set WENZHENG_THEME")


def static_files(theme_dir: Path) -> list[tuple[str, Path]]:
    """(relative path, file) of every static asset, sorted."""
    root = theme_dir / "static"
    out = []
    if root.is_dir():
        for file in root.rglob("*"):
            rel = file.relative_to(root).as_posix()
            if file.is_file() and not any(part.startswith((".", "__")) for part in rel.split("/")):
                out.append((rel, file))
    return sorted(out)


@lru_cache(maxsize=8)
def _asset_versions(theme_dir: str) -> dict[str, str]:
    return {rel: hashlib.sha256(file.read_bytes()).hexdigest()[:10]
            for rel, file in static_files(Path(theme_dir))}


class FoldLanguage(Extension):
    """Compiles `t("中文", "English")` and `u("/path/")` written with literal arguments into the
    page's language at compile time: a tag that only outputs one becomes template text,
    `{% if en %}English{% else %}中文{% endif %}` (escaped now, not per page), and one inside a
    larger expression becomes `("English" if en else "中文")`. Same output, without a call into
    Python and an escape each time (a page has dozens, rendered once per language). Calls with
    any other arguments are left to the `t` and `u` globals."""

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        tokens = list(stream)
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            choice = self._literal_choice(tokens, i)
            if choice is None:
                out.append(tokens[i])
                i += 1
                continue
            (en, zh), end = choice
            line = tokens[i].lineno
            if out and out[-1].type == "variable_begin" and tokens[end].type == "variable_end":
                out.pop()                          # the whole tag: {{ t("…", "…") }}
                out += [Token(line, "block_begin", "{%"), Token(line, "name", "if"),
                        Token(line, "name", "en"), Token(line, "block_end", "%}"),
                        Token(line, "data", str(escape(en))),
                        Token(line, "block_begin", "{%"), Token(line, "name", "else"),
                        Token(line, "block_end", "%}"),
                        Token(line, "data", str(escape(zh))),
                        Token(line, "block_begin", "{%"), Token(line, "name", "endif"),
                        Token(line, "block_end", "%}")]
                i = end + 1
            else:
                out += [Token(line, "lparen", "("), Token(line, "string", en),
                        Token(line, "name", "if"), Token(line, "name", "en"),
                        Token(line, "name", "else"), Token(line, "string", zh),
                        Token(line, "rparen", ")")]
                i = end
        return out

    @staticmethod
    def _literal_choice(tokens: list[Token], i: int) -> tuple[tuple[str, str], int] | None:
        """((English, Chinese), index after the call) when tokens[i:] is such a call."""
        tok = tokens[i]
        if tok.type != "name" or tok.value not in ("t", "u") or (i and tokens[i - 1].type == "dot"):
            return None
        kinds = [t.type for t in tokens[i + 1:i + 6]]
        if tok.value == "t" and kinds == ["lparen", "string", "comma", "string", "rparen"]:
            return (tokens[i + 4].value, tokens[i + 2].value), i + 6
        if tok.value == "u" and kinds[:3] == ["lparen", "string", "rparen"]:
            path = tokens[i + 2].value
            return (i18n.url(path, "en"), i18n.url(path, "zh")), i + 4
        return None


@lru_cache(maxsize=8)
def environment(theme_dir: str) -> Environment:
    """The one Jinja environment for a theme, shared by every build in this process."""
    # auto_reload off: a publish must not stat every template; `reload_theme()` after an edit
    env = Environment(loader=FileSystemLoader(str(Path(theme_dir) / "templates")),
                      autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                      keep_trailing_newline=True, undefined=StrictUndefined,
                      extensions=[FoldLanguage])
    versions = _asset_versions(theme_dir)

    def asset(rel: str) -> str:
        version = versions.get(rel)
        return f"/theme/{rel}?v={version}" if version else f"/theme/{rel}"

    env.globals.update(asset=asset, nav=i18n.NAV, formulas=i18n.FORMULAS, t=_t, u=_u,
                       label=_label, rate_cell=_rate_cell, movement_cell=_movement_cell)
    env.filters.update(date=fmt_date, datetime=fmt_datetime, iso=fmt_iso, pct=fmt_pct,
                       num=fmt_num, share=fmt_share, days=fmt_days, month_label=_month_label, period_label=_period_label,
                       name=_name, category=_category)
    return env


# Template helpers that follow the page's language (`lang` in the render context; macros are
# imported `with context` so they see it too).

@pass_context
def _t(ctx: Context, zh: str, en: str) -> str:
    return en if ctx["lang"] == "en" else zh


@pass_context
def _u(ctx: Context, path: str) -> str:
    return i18n.url(path, ctx["lang"])


@pass_context
def _label(ctx: Context, code: str) -> str:
    return label(str(code), ctx["lang"])


# The league tables' cells, hundreds a page: one call each instead of a template macro (the
# incremental publish re-renders the league pages after most changes).
_CI = {"zh": "，95% 置信区间 ", "en": ", 95% interval "}
_MOVES = {"zh": ("上升 ", "下降 ", "持平", "新进排名"), "en": ("up ", "down ", "same", "new")}


@pass_context
def _rate_cell(ctx: Context, row: dict, name: str, label: str | None = None) -> Markup:
    """A rate's cell: the rate and, when there is one, its 95% interval in small type; with
    `label`, the cell's `data-label` (what a phone shows before it in a stacked table)."""
    cell = fmt_pct(row[name])
    low = row[name + "_low"]
    if low is not None:
        cell += (f'<span class="ci"><span class="vh">{_CI[ctx["lang"]]}</span>'
                 f'{fmt_pct(low)}–{fmt_pct(row[name + "_high"])}</span>')
    if label is not None:
        return Markup('<td data-label="%s">%s</td>') % (label, Markup(cell))
    return Markup(f"<td>{cell}</td>")


@pass_context
def _movement_cell(ctx: Context, row: dict) -> Markup:
    """The rank change against the period before: an arrow (hidden from screen readers) and
    words, so colour and symbol are never the only signal."""
    move = row.get("movement")
    up, down, same, new = _MOVES[ctx["lang"]]
    if move == "up":
        text = f'<span aria-hidden="true">↑</span> {up}{row["rank_change"]}'
    elif move == "down":
        text = f'<span aria-hidden="true">↓</span> {down}{-row["rank_change"]}'
    elif move == "same":
        text = f'<span aria-hidden="true">=</span> {same}'
    elif move == "new":
        text = new
    else:
        text = "—"
    return Markup(f'<td class="mv {escape(move or "none")}">{text}</td>')


@pass_context
def _month_label(ctx: Context, month: str) -> str:
    return month_label(month, ctx["lang"])


@pass_context
def _period_label(ctx: Context, period: str) -> str:
    return period_label(period, ctx["lang"])


@pass_context
def _name(ctx: Context, item: dict | None) -> str:
    """A department's (or any {name, name_en} dict's) name in the page's language."""
    if not item:
        return ""
    return (item.get("name_en") or item["name"]) if ctx["lang"] == "en" else item["name"]


@pass_context
def _category(ctx: Context, category: str | None) -> Markup:
    """A letter category: in English when it is a known one, else as written (marked zh-CN)."""
    if not category:
        return Markup("")
    if ctx["lang"] == "en":
        english = i18n.category_en(category)
        return escape(english) if english else Markup('<span lang="zh-CN">%s</span>') % category
    return escape(category)


@lru_cache(maxsize=8)
def _official_calendar(folder: str | None) -> WorkCalendar:
    from chalicelib.adapters.calendars import OfficialCalendar
    return OfficialCalendar(Path(folder) if folder else None)


def content_calendar(content: Content) -> WorkCalendar:
    """The working-day calendar the function uses: content/calendar/ over the official one."""
    folder = content.calendar_dir
    return _official_calendar(str(folder) if folder and Path(folder).is_dir() else None)


def reload_theme() -> None:
    """Forget compiled templates and asset versions (a dev server calls this after an edit)."""
    environment.cache_clear()
    _asset_versions.cache_clear()


# --- the renderer --------------------------------------------------------------------------------

Output = list[tuple[str, bytes]]

# on English pages, the attribute that marks text left in Chinese (citizens' and departments')
ZH_LANG = Markup(' lang="zh-CN"')

NAV_URLS = frozenset(href for href, *_ in i18n.NAV)
LATE_ITEMS = 100          # late sign-ins and replies listed one by one on the exposure board


def paragraphs_html(items: Iterable[str]) -> dict[str, Markup]:
    """Citizens' or departments' paragraphs as HTML per page language (what the `paragraphs`
    macro of _macros.html writes), made once for both languages of a letter page."""
    html = "".join(f"<p{{}}>{str(escape(p)).replace(chr(10), '<br>')}</p>\n" for p in items)
    return {lang: Markup(html.replace("<p{}>", f"<p{ZH_LANG if lang == 'en' else ''}>"))
            for lang in LANGS}


class Renderer(TopicPages):
    """Renders page keys of `pages.py` against one store snapshot and one `Content`; the
    consultation pages come from `topic_pages.TopicPages`."""

    def __init__(self, store: Any, content: Content, theme_dir: str | Path | None = None,
                 calendar: WorkCalendar | None = None) -> None:
        self.snap: Snapshot = snapshot(store)
        self.content = content
        self.theme_dir = Path(theme_dir) if theme_dir else default_theme_dir()
        self.env = environment(str(self.theme_dir.resolve()))
        self.weights = content.site.league
        self.calendar = calendar or content_calendar(content)
        self._bases: dict[str, list[dict]] = {}
        self._leagues: dict[str, list[dict]] = {}
        self._views_cache: dict[tuple[str, int], dict] = {}
        self._chromes: dict[tuple, tuple[Markup, Markup]] = {}

    def render(self, key: P.PageKey) -> Output:
        """The files of one page: [(path relative to the site root, bytes)]; [] if it is gone."""
        method: Callable[..., Output] | None = getattr(self, f"_page_{key[0]}", None)
        if method is None:
            raise KeyError(f"unknown page kind {key[0]!r}")
        return method(*key[1:])

    # -- helpers --

    def _html(self, path: str, template: str, section: str | None = None, **ctx: Any) -> Output:
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

    def _xml(self, path: str, template: str, **ctx: Any) -> Output:
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
                "url": f"/departments/{dept_id}/" if P.is_department_id(dept_id) else None}

    def _dept_or_none(self, dept_id: str | None) -> dict:
        return self.dept(dept_id) or {"id": "", "name": "—", "name_en": "—", "url": None}

    def letter_view(self, letter: Letter) -> dict:
        """What a template may know about a published letter: its public version only."""
        key = (letter.id, letter.version)
        view = self._views_cache.get(key)
        if view is None:
            view = self._views_cache[key] = self._letter_view(letter)
            if len(self._views_cache) > 512:
                self._views_cache.pop(next(iter(self._views_cache)))
        return view

    def _letter_view(self, letter: Letter) -> dict:
        p = letter.publication
        assert p is not None
        released = letter.released_reply
        ratings = [{"reply_n": r.reply_n, "score": str(r.score), "label": label(str(r.score)),
                    "current": released is not None and r.reply_n == released.n}
                   for r in sorted(letter.ratings, key=lambda r: r.reply_n)]
        month = pub_month(letter) or ""
        url = f"/letters/{P.check_letter_id(letter.id)}/"
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
            # formatted once here: long lists show them in every language
            "published_iso": fmt_iso(p.first_published_at),
            "published_date": fmt_date(p.first_published_at),
            "month": month, "month_url": month_url(month) if month else None,
            "ratings": ratings, "rating": next((r for r in ratings if r["current"]), None),
            "votes_up": letter.votes_up, "votes_down": letter.votes_down,
            "redo": str(letter.status) == "redo",
            "summary": _clip(" ".join(p.body), 120),
        }

    def _views(self, letters: Iterable[Letter]) -> list[dict]:
        return [self.letter_view(l) for l in letters
                if l.publication is not None and P.LETTER_ID.match(l.id)]

    # -- letters --

    def _page_letter(self, letter_id: str) -> Output:
        letter = self.snap.get_letter(P.check_letter_id(letter_id))
        if letter is None or letter.publication is None:
            return []
        view = self.letter_view(letter)
        return self._html(f"letters/{letter_id}/index.html", "letter.html", "letters",
                          letter=view, body_html=paragraphs_html(view["body"]),
                          reply_html=paragraphs_html(view["reply"]))

    def _page_board(self) -> Output:
        letters = self._views(self.snap.latest_published(P.BOARD_SIZE))
        # the months these letters came from (no archive scan: the full list is on /archive/)
        months = sorted({v["month"] for v in letters if v["month"]}, reverse=True)
        return self._html("letters/index.html", "board.html", "letters", letters=letters,
                          months=[{"month": m, "url": month_url(m)} for m in months])

    def _page_archive(self) -> Output:
        years: dict[str, list[str]] = {}
        for month, _ in sorted(self.snap.published_months(), reverse=True):
            years.setdefault(month[:4], []).append(month)
        return self._html("letters/archive/index.html", "archive.html", "letters",
                          years=[{"year": y, "months": [{"month": m, "url": month_url(m)}
                                                         for m in ms]}
                                 for y, ms in years.items()])

    def _month_letters(self, month: str, page: int) -> tuple[list[Letter], bool]:
        got = self.snap.published_in_month(month, (page - 1) * P.PAGE_SIZE, P.PAGE_SIZE + 1)
        return got[: P.PAGE_SIZE], len(got) > P.PAGE_SIZE

    def _page_month(self, month: str, page: int) -> Output:
        letters, more = self._month_letters(month, page)
        if not letters:
            return []
        return self._html(
            P.month_page_path(month, page), "month.html", "letters", month=month, page=page,
            start=(page - 1) * P.PAGE_SIZE + 1, letters=self._views(letters),
            prev_url=month_url(month, page - 1) if page > 1 else None,
            next_url=month_url(month, page + 1) if more else None)

    # -- departments --

    def _current_month(self) -> str | None:
        """The month every department page shows first: the latest with figures for any
        department (the league table's current month), so a department with no letter yet this
        month shows this month, empty, rather than its last busy month. From the store, never
        the build's clock: incremental and full builds agree (`pages.starts_a_month`)."""
        return P.current_month(self.snap)

    def _figures(self, period: str, dept_id: str) -> dict:
        f = scored(figures(self.snap.stats(period).get(dept_id, {})), self.weights)
        f["period"] = period
        return f

    def _page_department(self, dept_id: str) -> Output:
        info = self.dept(dept_id)
        department = self.content.department(dept_id)
        month = self._current_month()
        periods = ([month, month[:4]] if month else []) + ["all"]
        trend = []
        if month:
            for i in range(11, -1, -1):
                m = shift_month(month, -i)
                f = scored(figures(self.snap.stats(m).get(dept_id, {})), self.weights)
                f["month"] = m
                trend.append(f)
        top = max([1] + [t["received"] for t in trend] + [t["replied"] for t in trend])
        return self._html(
            f"departments/{dept_id}/index.html", "department.html", "departments",
            department=info, categories=list(department.categories) if department else [],
            columns=[self._figures(p, dept_id) for p in periods], trend=trend, trend_max=top,
            letters=self._views(self.snap.latest_published(P.FEED_SIZE, dept_id)),
            consultations=self.department_topics(dept_id))

    def _page_departments(self) -> Output:
        rows = []
        for dept_id in P.department_ids(self.snap, self.content):
            d = self.content.department(dept_id)
            rows.append({**self.dept(dept_id), "categories": list(d.categories) if d else [],
                         "figures": self._figures("all", dept_id)})
        return self._html("departments/index.html", "departments.html", "departments",
                          departments=rows)

    # -- league tables --

    def _league(self, period: str) -> list[dict]:
        """The period's table with each department's rank change against the period before
        (which is why a change to October's figures re-renders November's page too)."""
        cached = self._leagues.get(period)
        if cached is None:
            before = previous_period(period)
            previous = (self._base_league(before)
                        if before and before in P.league_periods(self.snap) else None)
            cached = self._leagues[period] = with_rank_changes(
                [dict(r) for r in self._base_league(period)], previous)
        return [dict(r) for r in cached]

    def _base_league(self, period: str) -> list[dict]:
        cached = self._bases.get(period)
        if cached is None:
            cached = self._bases[period] = self._compute_league(period)
        return cached

    def _compute_league(self, period: str) -> list[dict]:
        rows = self.snap.stats(period)
        ids = list(self.content.department_ids())
        ids += sorted(d for d in rows if d not in ids and P.is_department_id(d))
        table = league(rows, ids, self.weights)
        for row in table:
            info = self.dept(row["department"])
            row["department_name"] = info["name"]  # type: ignore[index]
            row["department_name_en"] = info["name_en"]  # type: ignore[index]
        return table

    def _periods(self) -> dict[str, list[str]]:
        periods = P.league_periods(self.snap)
        return {"months": [p for p in periods if P.MONTH.match(p)],
                "quarters": [p for p in periods if "-Q" in p],
                "years": [p for p in periods if len(p) == 4]}

    def _table(self, period: str) -> dict:
        before = previous_period(period)
        return {"period": period, "rows": self._league(period),
                "previous": before if before in P.league_periods(self.snap) else None}

    def _page_league(self) -> Output:
        groups = self._periods()
        current = [groups[k][-1] for k in ("months", "quarters", "years") if groups[k]]
        current.append("all")
        tables = [self._table(p) for p in current]
        history = {k: list(reversed(v)) for k, v in groups.items()}
        return self._html("league/index.html", "league.html", "league", tables=tables,
                          history=history, weights=self.weights)

    def _page_league_period(self, period: str) -> Output:
        return self._html(f"league/{period}/index.html", "league_period.html", "league",
                          period=period, table=self._table(period), weights=self.weights)

    def _page_league_data(self, period: str) -> Output:
        rows = [{c: row.get(c) for c in DATA_COLUMNS} for row in self._league(period)]
        w = self.weights
        doc = {
            "period": period, "period_label": period_label(period),
            "previous_period": self._table(period)["previous"],
            "weights": w.as_dict(),
            "formulas": {
                "reply_rate": "replied / (received - transferred - rejected)",
                "on_time_rate": "replied_on_time / replied",
                "sign_on_time_rate": "signed_on_time / signed",
                "satisfaction_rate": "(satisfied + basically_satisfied) / rated",
                "satisfied_rate": "satisfied / rated",
                "unsatisfied_rate": "unsatisfied / rated",
                "extension_rate": "extensions / (received - transferred - rejected)",
                "transfer_rate": "transferred / received",
                "redo_rate": "redos / replied",
                "efficiency": (f"weighted mean of sign_on_time_rate ({w.sign_on_time}), "
                               f"on_time_rate ({w.reply_on_time}), reply_rate ({w.replied}) "
                               f"and 1 - extension_rate ({w.extensions}), over the parts that "
                               "can be measured; each rate capped to 0..1"),
                "quality": (f"weighted mean of 1 - transfer_rate ({w.transfers}), 1 - redo_rate "
                            f"({w.redos}), 1 - unsatisfied_rate ({w.complaints}) and "
                            f"satisfied_rate ({w.satisfied}), over the parts that can be "
                            "measured; each rate capped to 0..1"),
                "score": (f"100 * ({w.efficiency} * efficiency + {w.quality} * quality), "
                          "rounded half up to 0.1; 100 * the other when efficiency or quality "
                          "cannot be measured"),
                "rank": (f"by score, then received; only with received >= {w.min_received} "
                         f"and rated >= {w.min_rated}"),
                "rank_change": "previous_rank - rank (positive: up), against previous_period",
                "interval": "{rate}_low and {rate}_high: the 95% Wilson score interval",
            },
            "columns": list(DATA_COLUMNS), "rows": rows,
        }
        body = _json_rows(doc)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(DATA_COLUMNS)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in DATA_COLUMNS])
        return [(f"data/league-{period}.csv", buf.getvalue().encode("utf-8")),
                (f"data/league-{period}.json", body.encode("utf-8"))]

    # -- the exposure board (曝光台) --

    def _page_exposure(self) -> Output:
        """Open overdue letters as of the latest recorded red light (see chalicelib.domain.exposure),
        and late work by department over twelve months of statistics."""
        letters = {letter.id: letter for letter in self.snap.running_letters()}
        board = exposure.board(list(letters.values()), self.calendar)
        entries = [self._board_item(letters[e.letter_id], e) for e in board.entries]
        by_department: dict[str, dict] = {}
        for item in entries:
            row = by_department.setdefault(item["department"]["id"], {
                "department": item["department"], "count": 0, "worst": 0.0})
            row["count"] += 1
            row["worst"] = max(row["worst"], item["late_working_days"])
        summary = sorted(by_department.values(),
                         key=lambda r: (-r["count"], -r["worst"], r["department"]["id"]))
        window, late = self._late_work(board.as_of)
        return self._html("exposure/index.html", "exposure.html", "exposure",
                          as_of=board.as_of, entries=entries, summary=summary,
                          window=window, late=late, late_items=self._late_items(window),
                          late_limit=LATE_ITEMS)

    def _late_items(self, window: list[str]) -> list[dict]:
        """The latest LATE_ITEMS sign-ins and replies made after their deadline since the first
        month of the late-work window, newest first. Shown like the open entries (the subject
        redacted, a private letter's department and lateness only) and never from the
        publication, so an approval that publishes a late letter leaves the board alone."""
        if not window:
            return []
        since = datetime.fromisoformat(window[0] + "-01").replace(tzinfo=CHINA_TZ)
        done = [(e, letter) for letter in self.snap.late_letters(since, LATE_ITEMS)
                for e in exposure.entries(letter, self.calendar, since)
                if not e.open and e.done_at is not None and e.done_at >= since]
        done.sort(key=lambda d: (d[0].done_at, d[0].letter_id, d[0].clock), reverse=True)
        return [self._board_item(letter, e) for e, letter in done[:LATE_ITEMS]]

    def _board_item(self, letter: Letter, e: exposure.Entry) -> dict:
        """One line of the exposure board. A letter its writer kept private shows its department
        and lateness only; the others their type, dates and subject with contact details
        redacted (the office may not have reviewed the text: redaction is all it gets)."""
        item = {"department": self._dept_or_none(e.department), "clock": e.clock,
                "late_working_days": e.late_working_days, "late_days": e.late_days,
                "public": letter.public, "due": None, "done_at": None, "type": None,
                "subject": None}
        if letter.public:
            item.update(due=e.due, done_at=e.done_at, type=str(letter.type), subject=redact(
                letter.subject, names=[letter.name] if letter.name else []))
        return item

    def _late_work(self, as_of: datetime | None) -> tuple[list[str], list[dict]]:
        """Late work by department over the twelve months that end with the later of the board's
        month and the latest month with any late work: both move only with letters that were
        late or went red, so the page changes with exactly the changes that touch the board."""
        months = [p for p in P.league_periods(self.snap) if P.MONTH.match(p)]
        latest = next((m for m in reversed(months)
                       if any(exposure.late_work(c) for c in self.snap.stats(m).values())), None)
        ends = [m for m in (latest, month_of(as_of) if as_of else None) if m]
        if not ends:
            return [], []
        end = max(ends)
        window = [shift_month(end, -i) for i in range(11, -1, -1)]
        sums: dict[str, dict[str, int]] = {}
        for month in window:
            for dept, counters in self.snap.stats(month).items():
                row = sums.setdefault(dept, {})
                for name in ("overdue", "late_replies", "late_reply_days", "signed",
                             "signed_on_time"):
                    row[name] = row.get(name, 0) + int(counters.get(name, 0))
        rows = []
        for dept, c in sums.items():
            if not exposure.late_work(c) or not P.is_department_id(dept):
                continue
            rows.append({"department": self._dept_or_none(dept), "overdue": c["overdue"],
                         "late_replies": c["late_replies"],
                         "late_signs": c["signed"] - c["signed_on_time"],
                         "avg_days_late": (round(c["late_reply_days"] / c["late_replies"], 1)
                                           if c["late_replies"] else None)})
        rows.sort(key=lambda r: (-r["overdue"], -r["late_replies"], r["department"]["id"]))
        return window, rows

    # -- home, notices, fixed pages --

    def _page_home(self) -> Output:
        return self._html(
            "index.html", "home.html", "home",
            letters=self._views(self.snap.latest_published(P.HOME_SIZE)),
            notices=list(self.content.notices[: P.NOTICES_ON_HOME]),
            figures=totals(self.snap.stats("all")),
            consultations=self.open_consultations())

    def _page_notices(self) -> Output:
        return self._html("notices/index.html", "notices.html", "notices",
                          notices=list(self.content.notices))

    def _page_notice(self, slug: str) -> Output:
        notice = self.content.notice(slug)
        if notice is None:
            return []
        return self._html(f"notices/{slug}/index.html", "notice.html", "notices", notice=notice)

    def _form_context(self) -> dict:
        return {"departments": [{"id": d.id, "name": d.name, "name_en": d.name_en}
                                for d in self.content.departments],
                "letter_types": [{"code": str(t), "zh": label(str(t)), "en": label(str(t), "en")}
                                 for t in LetterType],
                "statuses": [str(s) for s in Status]}

    def _page_write(self) -> Output:
        return self._html("write/index.html", "write.html", "write", **self._form_context())

    def _page_track(self) -> Output:
        return self._html("track/index.html", "track.html", "track", **self._form_context())

    def _page_staff(self) -> Output:
        return self._html("staff/index.html", "staff.html", "staff", **self._form_context())

    def _page_not_found(self) -> Output:
        return self._html("404.html", "404.html", None)

    def _page_robots(self) -> Output:
        text = ("User-agent: *\nDisallow: /staff/\nDisallow: /en/staff/\nDisallow: /api/\n"
                f"Sitemap: {self.content.site.base_url}/sitemap.xml\n")
        return [("robots.txt", text.encode("utf-8"))]

    def _page_static(self) -> Output:
        out = [(f"theme/{rel}", file.read_bytes()) for rel, file in static_files(self.theme_dir)]
        # browsers ask for /favicon.ico whatever the page links (feed readers, bookmarks)
        icon = self.theme_dir / "favicon.ico"
        return out + ([("favicon.ico", icon.read_bytes())] if icon.is_file() else [])

    # -- feeds and sitemaps --

    def _feed_entry(self, view: dict) -> dict:
        parts = ["<h2>来信</h2>"] + [f"<p>{escape(p)}</p>" for p in view["body"]]
        parts += [f"<h2>{escape(view['reply_department']['name'])}答复</h2>"]
        parts += [f"<p>{escape(p)}</p>" for p in view["reply"]]
        return {**view, "content_html": str("".join(str(x) for x in parts)),
                "summary": _clip(" ".join(view["reply"]), 200)}

    def _feed(self, path: str, title: str, html_url: str, letters: list[Letter],
              extra: Iterable[dict] = ()) -> Output:
        """A feed of published replies and consultations together, most recently updated first
        (ties by address, so that every build orders them alike)."""
        entries = [self._feed_entry(v) for v in self._views(letters)] + list(extra)
        entries.sort(key=lambda e: e["abs_url"])
        entries.sort(key=lambda e: e["approved_at"], reverse=True)
        updated = max((e["approved_at"] for e in entries), default=None)
        return self._xml(path, "feed.xml", title=title, feed_url=self.abs_url("/" + path),
                         html_url=self.abs_url(html_url), entries=entries,
                         updated=fmt_iso(updated) if updated else EMPTY_FEED_UPDATED)

    def _page_feed(self) -> Output:
        return self._feed("feeds/all.atom.xml", f"{self.content.site.name}：答复选登与征集",
                          "/letters/", self.snap.latest_published(P.FEED_SIZE),
                          extra=self.topic_feed_entries())    # each consultation too

    def _page_dept_feed(self, dept_id: str) -> Output:
        info = self.dept(dept_id)
        return self._feed(f"feeds/departments/{dept_id}.atom.xml",
                          f"{self.content.site.name}：{info['name']}答复与征集",  # type: ignore[index]
                          f"/departments/{dept_id}/",
                          self.snap.latest_published(P.FEED_SIZE, dept_id),
                          extra=self.topic_feed_entries(dept_id))

    def _page_sitemap(self) -> Output:
        files = ["/sitemaps/pages.xml"]
        for month, count in self.snap.published_months():
            files += ["/" + P.letters_sitemap_path(month, page)
                      for page in range(1, P.pages_in(count) + 1)]
        return self._xml("sitemap.xml", "sitemap_index.xml",
                         sitemaps=[self.abs_url(f) for f in files])

    def _sitemap_urls(self, pages: Iterable[tuple[str, str | None]]) -> list[dict]:
        """Sitemap entries for (path, lastmod): each page in both languages, each entry naming
        both with `xhtml:link rel="alternate" hreflang` (Google's format for language versions)."""
        urls = []
        for path, lastmod in pages:
            alternates = [(HTML_LANG[lang], self.abs_url(i18n.url(path, lang))) for lang in LANGS]
            urls += [{"loc": href, "lastmod": lastmod, "alternates": alternates}
                     for _, href in alternates]
        return urls

    def _page_sitemap_pages(self) -> Output:
        paths = ["/", "/letters/", "/letters/archive/", "/departments/", "/league/",
                 "/exposure/", "/notices/", "/write/", "/track/"]
        paths += [f"/departments/{d}/" for d in P.department_ids(self.snap, self.content)]
        paths += [f"/league/{p}/" for p in P.league_periods(self.snap)]
        paths += [f"/notices/{n.slug}/" for n in self.content.notices]
        paths += self.topic_sitemap_paths()
        return self._xml("sitemaps/pages.xml", "sitemap.xml",
                         urls=self._sitemap_urls((p, None) for p in paths))

    def _page_sitemap_month(self, month: str, page: int) -> Output:
        letters, _ = self._month_letters(month, page)
        if not letters:
            return []
        pages: list[tuple[str, str | None]] = [(month_url(month, page), None)]
        pages += [(f"/letters/{l.id}/", fmt_iso(l.publication.approved_at))  # type: ignore[union-attr]
                  for l in letters if l.publication is not None and P.LETTER_ID.match(l.id)]
        return self._xml(P.letters_sitemap_path(month, page), "sitemap.xml",
                         urls=self._sitemap_urls(pages))


def _json_rows(doc: dict) -> str:
    """JSON with one table row per line: readable, and fast (the C encoder does the rows)."""
    rows = doc.pop("rows")
    head = json.dumps(doc, ensure_ascii=False)[:-1]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    return head + ', "rows": [\n' + ",\n".join(lines) + "\n]}\n"
