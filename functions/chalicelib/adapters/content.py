"""The one loader of `content/`, what the web team publishes by commit: the site settings
(site.yaml), the departments, the notices, the consultation topics, the function's limits,
abuse limits and notification settings, and the working-day calendar's folder. `load_content`
reads and checks them all into one immutable `Content`; any problem is a `ContentError`
naming the file and the field, so a bad commit stops the function and the build alike.

This runs in the function (at start-up, and for every incremental publish), so it imports
only `yaml` and the domain; the notices' Markdown is converted to HTML on first use
(`TrustedMarkdown`), so a cold start that publishes nothing never imports `markdown`. Notices
come from the repository, not from citizens: their Markdown is trusted.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.consultations import Topic
from ..domain.departments import CATEGORIES, SLUG, Department
from ..domain.interviews import Programme
from ..domain.leaders import Leader
from ..domain.letters import Limits
from ..domain.rates import check_size_classes
from ..domain.retention import Retention
from ..domain.statistics import Weights
from ..services.abuse import AbuseLimits
from .content_files import ContentError, load_departments, read_text, read_yaml, split_front_matter
from .content_leaders import load_leaders
from .content_limits import (
    NotifyFile,
    load_abuse_limits,
    load_limits,
    load_notify_file,
    load_reports_file,
)
from .content_retention import load_retention
from .interview_files import load_programme, programme_paths
from .topic_files import load_topics, topic_paths

if TYPE_CHECKING:
    from markupsafe import Markup

__all__ = ["CATEGORIES", "SLUG", "Content", "ContentError", "LeagueWeights", "Notice",
           "NotifyFile", "Site", "TrustedMarkdown", "cached_content", "load_abuse_limits",
           "load_content", "load_departments", "load_limits", "load_notify_file", "load_topics",
           "markdown_html"]

MONTH_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The assessment score's weights and the ranking minimums (content/site.yaml `league:`): the
# domain's own value object, so the publisher and the statistics cannot disagree on a default.
LeagueWeights = Weights


@dataclass(frozen=True)
class Site:
    name: str
    name_en: str
    city: str
    city_en: str
    base_url: str
    language: str = "zh-CN"
    description: str = ""
    office: str = ""
    footer: str = ""
    league: Weights = field(default_factory=Weights)
    # the English site (/en/) shows these; when one is empty it shows the Chinese text
    description_en: str = ""
    office_en: str = ""
    footer_en: str = ""


class TrustedMarkdown:
    """Markdown from the repository (a notice's body), converted to HTML on first use: Jinja
    prints it as markup (`__html__`), `str()` gives the HTML."""

    __slots__ = ("_html", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._html: Markup | None = None

    def __html__(self) -> str:
        if self._html is None:
            self._html = markdown_html(self.text)
        return str(self._html)

    __str__ = __html__

    def __bool__(self) -> bool:
        return bool(self.text)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TrustedMarkdown):
            return other.text == self.text
        return isinstance(other, str) and self.__html__() == other    # as the HTML it makes

    def __hash__(self) -> int:
        return hash(self.__html__())

    def __repr__(self) -> str:
        return f"TrustedMarkdown({self.text[:30]!r}…)"


@dataclass(frozen=True)
class Notice:
    slug: str
    title: str
    date: dt.date
    summary: str
    html: TrustedMarkdown
    title_en: str | None = None
    source: str = ""
    # optional English version (front matter `summary_en`, `body_en` in Markdown) for /en/
    summary_en: str | None = None
    html_en: TrustedMarkdown | None = None


@dataclass(frozen=True)
class Content:
    """Everything under `content/` the function and the renderer need; immutable."""

    site: Site
    departments: tuple[Department, ...]
    notices: tuple[Notice, ...] = ()     # newest first, then by slug
    # content/calendar/: the working-day calendar's overrides (the exposure board measures
    # lateness in working days with the same calendar as the function)
    calendar_dir: Path | None = None
    topics: tuple[Topic, ...] = ()
    limits: Mapping[str, Limits] = field(default_factory=lambda: {"default": Limits()})
    abuse: AbuseLimits = field(default_factory=AbuseLimits)
    notify: NotifyFile = field(default_factory=NotifyFile)
    report_emails: tuple[str, ...] = ()      # content/reports.yaml: the weekly report's readers
    leaders: tuple[Leader, ...] = ()         # content/leaders.yaml, in board order
    retention: Retention = field(default_factory=Retention)   # content/retention.yaml

    # content/interviews/plan-YYYY.yaml and criteria.yaml (interview_files.py)
    interviews: Programme = field(default_factory=Programme)

    def department(self, dept_id: str) -> Department | None:
        return self.departments_by_id.get(dept_id)

    def department_ids(self) -> list[str]:
        return [d.id for d in self.departments]

    def department_for_category(self, category: str) -> Department | None:
        """The first department (in file order) that handles a category."""
        for d in self.departments:
            if category in d.categories:
                return d
        return None

    def notice(self, slug: str) -> Notice | None:
        return next((n for n in self.notices if n.slug == slug), None)

    @cached_property
    def leaders_by_id(self) -> dict[str, Leader]:
        """The leaders (content/leaders.yaml) by id, in board order."""
        return {x.id: x for x in self.leaders}

    @cached_property
    def departments_by_id(self) -> dict[str, Department]:
        """The departments by id, in file order."""
        return {d.id: d for d in self.departments}


# --- loading ---------------------------------------------------------------------------------

_cache: dict[str, tuple[tuple[Any, ...], Content]] = {}


def _content_files(root: Path) -> list[Path]:
    return [root / name for name in ("site.yaml", "departments.yaml", "limits.yaml",
                                     "abuse.yaml", "notifications.yaml", "reports.yaml",
                                     "leaders.yaml")] + \
        sorted((root / "notices").glob("*.md")) + [p for p, _ in topic_paths(root)] + \
        programme_paths(root)


def cached_content(path: str | Path) -> Content:
    """`load_content`, reloaded only when a file under `path` changed (a warm function or a dev
    server asks on every publish; a few `stat` calls answer)."""
    root = Path(path)
    signature = tuple((f.name, st.st_mtime_ns, st.st_size) for f in _content_files(root)
                      if (st := _stat(f)) is not None)
    hit = _cache.get(str(root.resolve()))
    if hit is not None and hit[0] == signature:
        return hit[1]
    content = load_content(root)
    _cache[str(root.resolve())] = (signature, content)
    return content


def _stat(file: Path) -> Any:
    try:
        return file.stat()
    except FileNotFoundError:
        return None


def load_content(path: str | Path) -> Content:
    """Load and check all of `content/`."""
    root = Path(path)
    if not root.is_dir():
        raise ContentError(root, None, "content directory not found")
    site = load_site(root / "site.yaml")
    departments = load_departments(root)
    return Content(site=site, departments=tuple(departments.values()),
                   notices=load_notices(root / "notices"), calendar_dir=root / "calendar",
                   topics=tuple(load_topics(root, set(departments))),
                   limits=load_limits(root), abuse=load_abuse_limits(root),
                   notify=load_notify_file(root), report_emails=load_reports_file(root),
                   leaders=load_leaders(root), retention=load_retention(root),
                   interviews=load_programme(root, set(departments)))


def _text(file: Path, data: Mapping[str, Any], key: str, where: str = "", *,
          required: bool = True, default: str = "") -> str:
    name = f"{where}{key}"
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ContentError(file, name, "is required")
        return default
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ContentError(file, name, f"must be text, not {type(value).__name__}")
    return str(value).strip()


def _mapping(file: Path, value: Any, name: str | None) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ContentError(file, name, "must be a mapping (key: value)")
    return value


def load_site(file: Path) -> Site:
    data = _mapping(file, read_yaml(file), None)
    base_url = _text(file, data, "base_url").rstrip("/")
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", base_url):
        raise ContentError(file, "base_url", f"must be an http(s) URL, got {base_url!r}")
    league = load_league(file, data.get("league"))
    return Site(
        name=_text(file, data, "name"),
        name_en=_text(file, data, "name_en", required=False),
        city=_text(file, data, "city", required=False),
        city_en=_text(file, data, "city_en", required=False),
        base_url=base_url,
        language=_text(file, data, "language", required=False, default="zh-CN"),
        description=_text(file, data, "description", required=False),
        office=_text(file, data, "office", required=False),
        footer=_text(file, data, "footer", required=False),
        league=league,
        description_en=_text(file, data, "description_en", required=False),
        office_en=_text(file, data, "office_en", required=False),
        footer_en=_text(file, data, "footer_en", required=False),
    )


_LEAGUE_GROUPS = {"efficiency_parts": Weights.EFFICIENCY_PARTS,
                  "quality_parts": Weights.QUALITY_PARTS}


def _size_classes(file: Path, value: Any) -> tuple[int, ...]:
    """`league.size_classes`: the lower bounds of the classes after the first (rates.py)."""
    if not isinstance(value, list):
        raise ContentError(file, "league.size_classes", "must be a list of whole numbers")
    try:
        return check_size_classes(value)
    except ValueError as exc:
        raise ContentError(file, "league.size_classes", str(exc)) from None


def load_league(file: Path, raw: Any) -> Weights:
    """`league:` of site.yaml: the score's two shares, each group's part weights (each adding up
    to 1) and the ranking minimums. Missing keys keep `Weights`' defaults; anything unknown or
    of the wrong kind is an error naming the key."""
    if raw is None:
        return Weights()
    lw = _mapping(file, raw, "league")
    values: dict[str, Any] = {}

    def number(key: str, value: Any, whole: bool = False) -> float | int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ContentError(file, f"league.{key}", "must be a non-negative number")
        if whole:
            if value != int(value):
                raise ContentError(file, f"league.{key}", "must be a whole number")
            return int(value)
        return float(value)

    for key, value in lw.items():
        if key in ("efficiency", "quality"):
            values[key] = number(key, value)
        elif key in ("min_received", "min_rated"):
            values[key] = number(key, value, whole=True)
        elif key == "size_classes":
            values[key] = _size_classes(file, value)
        elif key in _LEAGUE_GROUPS:
            group = _mapping(file, value, f"league.{key}")
            for part, w in group.items():
                if part not in _LEAGUE_GROUPS[key]:
                    raise ContentError(file, f"league.{key}.{part}",
                                       "unknown part (known: "
                                       + ", ".join(_LEAGUE_GROUPS[key]) + ")")
                values[part] = number(f"{key}.{part}", w)
        else:
            raise ContentError(file, f"league.{key}", "unknown key")
    weights = Weights(**values)
    if abs(weights.efficiency + weights.quality - 1) > 1e-9:
        raise ContentError(file, "league", "efficiency + quality must equal 1")
    for key, names in _LEAGUE_GROUPS.items():
        if abs(sum(getattr(weights, n) for n in names) - 1) > 1e-9:
            raise ContentError(file, f"league.{key}", "the parts' weights must add up to 1")
    return weights


def load_notices(folder: Path) -> tuple[Notice, ...]:
    if not folder.is_dir():
        return ()
    notices = []
    slugs: dict[str, Path] = {}
    for file in sorted(folder.glob("*.md")):
        notice = load_notice(file)
        if notice.slug in slugs:
            also = slugs[notice.slug].name
            raise ContentError(file, "slug", f"duplicate slug {notice.slug!r} (also in {also})")
        slugs[notice.slug] = file
        notices.append(notice)
    notices.sort(key=lambda n: (-n.date.toordinal(), n.slug))
    return tuple(notices)


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.S)


def load_notice(file: Path) -> Notice:
    text = read_text(file)
    if not _FRONT.match(text.lstrip("\ufeff")):
        raise ContentError(file, None, "must start with YAML front matter between '---' lines")
    meta, body = split_front_matter(file, text)
    raw_date = meta.get("date")
    if isinstance(raw_date, dt.datetime):
        date = raw_date.date()
    elif isinstance(raw_date, dt.date):
        date = raw_date
    elif isinstance(raw_date, str) and MONTH_DAY.match(raw_date.strip()):
        try:
            date = dt.date.fromisoformat(raw_date.strip())
        except ValueError:
            raise ContentError(file, "date", f"{raw_date!r} is not a valid date") from None
    elif raw_date is None:
        raise ContentError(file, "date", "is required (YYYY-MM-DD)")
    else:
        raise ContentError(file, "date", f"{raw_date!r} must be YYYY-MM-DD")
    slug = _text(file, meta, "slug", required=False, default=file.stem)
    if not SLUG.match(slug):
        raise ContentError(file, "slug", f"{slug!r} must be a slug (a-z, 0-9, '-')")
    body = body.strip()
    if not body:
        raise ContentError(file, "body", "is empty")
    body_en = _text(file, meta, "body_en", required=False)
    return Notice(slug=slug, title=_text(file, meta, "title"), date=date,
                  summary=_text(file, meta, "summary", required=False),
                  html=TrustedMarkdown(body),
                  title_en=_text(file, meta, "title_en", required=False) or None,
                  source=file.name,
                  summary_en=_text(file, meta, "summary_en", required=False) or None,
                  html_en=TrustedMarkdown(body_en) if body_en else None)


# Chinese has no spaces between words: a line break inside a paragraph of Chinese (the source
# files wrap at ~100 columns) must not become the space a browser shows for it.
_CJK = "\u2014\u2018-\u201d\u2026\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])\n(?=[{_CJK}])")
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.S)
_HEADING = re.compile(r"<(/?)h([1-5])\b")


def markdown_html(text: str, demote: int = 0) -> Markup:
    """Trusted Markdown from the repository (notices, consultation backgrounds) as HTML: line
    breaks between two Chinese characters dropped (not inside <pre>), and headings `demote`
    levels down when the text sits under a section heading of the page. Imports `markdown`
    on first use."""
    import markdown
    from markupsafe import Markup

    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    html = "".join(part if part.startswith("<pre") else _CJK_BREAK.sub("", part)
                   for part in _PRE.split(html))
    if demote:
        html = _HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + demote}", html)
    return Markup(html)
