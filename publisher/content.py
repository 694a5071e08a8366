"""What the web team publishes by commit (`content/`): the site settings, the departments and the
notices, loaded and checked once per build.

This runs in the function for every incremental publish, so it imports only `yaml`,
`markdown` and the domain's pure `Weights` (never Pelican) and does no work beyond reading a few small files. Notices come from
the repository, not from citizens: their Markdown is trusted and converted to HTML here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import markdown
import yaml
from markupsafe import Markup

from chalicelib.domain.departments import (CATEGORIES, SLUG, Department, DepartmentError,
                                    parse_departments)
from chalicelib.domain.statistics import Weights


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML (libyaml when present) with dates left as text, so a bad date is our error
    naming the field, not a parser crash."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _yaml(text: str):
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


MONTH_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ContentError(ValueError):
    """A content file is missing, malformed or has a bad field; the message names both."""

    def __init__(self, file: str | Path, field: str | None, message: str) -> None:
        self.file = str(file)
        self.field = field
        where = f"{self.file}: {field}" if field else self.file
        super().__init__(f"{where}: {message}")


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
    league: LeagueWeights = field(default_factory=LeagueWeights)
    # the English site (/en/) shows these; when one is empty it shows the Chinese text
    description_en: str = ""
    office_en: str = ""
    footer_en: str = ""


@dataclass(frozen=True)
class Notice:
    slug: str
    title: str
    date: dt.date
    summary: str
    html: Markup
    title_en: str | None = None
    source: str = ""
    # optional English version (front matter `summary_en`, `body_en` in Markdown) for /en/
    summary_en: str | None = None
    html_en: Markup | None = None


@dataclass(frozen=True)
class Content:
    """Everything under `content/` the renderer needs; immutable, cheap to pass around."""

    site: Site
    departments: tuple[Department, ...]
    notices: tuple[Notice, ...]          # newest first, then by slug
    # content/calendar/: the working-day calendar's overrides (the exposure board measures
    # lateness in working days with the same calendar as the function)
    calendar_dir: Path | None = None

    def department(self, dept_id: str) -> Department | None:
        return self._by_id().get(dept_id)

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

    def _by_id(self) -> dict[str, Department]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {d.id: d for d in self.departments}
            object.__setattr__(self, "_index", cached)
        return cached


# --- loading ---------------------------------------------------------------------------------

_cache: dict[str, tuple[tuple, "Content"]] = {}


def cached_content(path: str | Path) -> Content:
    """`load_content`, reloaded only when a file under `path` changed (a warm function or a dev
    server asks on every publish; a few `stat` calls answer)."""
    root = Path(path)
    files = [root / "site.yaml", root / "departments.yaml", *sorted((root / "notices").glob("*.md"))]
    signature = tuple((f.name, st.st_mtime_ns, st.st_size) for f in files
                      if (st := _stat(f)) is not None)
    hit = _cache.get(str(root.resolve()))
    if hit is not None and hit[0] == signature:
        return hit[1]
    content = load_content(root)
    _cache[str(root.resolve())] = (signature, content)
    return content


def _stat(file: Path):
    try:
        return file.stat()
    except FileNotFoundError:
        return None


def load_content(path: str | Path) -> Content:
    """Load and check `content/` (site.yaml, departments.yaml, notices/*.md)."""
    root = Path(path)
    if not root.is_dir():
        raise ContentError(root, None, "content directory not found")
    site = load_site(root / "site.yaml")
    departments = load_departments(root / "departments.yaml")
    notices = load_notices(root / "notices")
    return Content(site=site, departments=departments, notices=notices,
                   calendar_dir=root / "calendar")


def _read_yaml(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(file, None, "file not found") from None
    except UnicodeDecodeError as exc:
        raise ContentError(file, None, f"not UTF-8 ({exc.reason})") from None
    try:
        return _yaml(text)
    except (yaml.YAMLError, ValueError) as exc:
        raise ContentError(file, None, f"invalid YAML: {exc}") from None


def _text(file: Path, data: Mapping, key: str, where: str = "", *, required: bool = True,
          default: str = "") -> str:
    name = f"{where}{key}"
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ContentError(file, name, "is required")
        return default
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ContentError(file, name, f"must be text, not {type(value).__name__}")
    return str(value).strip()


def _mapping(file: Path, value: Any, name: str | None) -> Mapping:
    if not isinstance(value, Mapping):
        raise ContentError(file, name, "must be a mapping (key: value)")
    return value


def load_site(file: Path) -> Site:
    data = _mapping(file, _read_yaml(file), None)
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


def load_departments(file: Path) -> tuple[Department, ...]:
    """content/departments.yaml, read as the function reads it (chalicelib.domain.departments)."""
    try:
        return parse_departments(_read_yaml(file))
    except DepartmentError as exc:
        raise ContentError(file, exc.field, exc.message) from None


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.S)


def load_notices(folder: Path) -> tuple[Notice, ...]:
    if not folder.is_dir():
        return ()
    notices = []
    slugs: dict[str, Path] = {}
    for file in sorted(folder.glob("*.md")):
        notice = load_notice(file)
        if notice.slug in slugs:
            raise ContentError(file, "slug",
                               f"duplicate slug {notice.slug!r} (also in {slugs[notice.slug].name})")
        slugs[notice.slug] = file
        notices.append(notice)
    notices.sort(key=lambda n: (-n.date.toordinal(), n.slug))
    return tuple(notices)


def load_notice(file: Path) -> Notice:
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(file, None, f"not UTF-8 ({exc.reason})") from None
    m = _FRONT.match(text.lstrip("\ufeff"))
    if not m:
        raise ContentError(file, None, "must start with YAML front matter between '---' lines")
    try:
        meta = _yaml(m.group(1))
    except (yaml.YAMLError, ValueError) as exc:
        raise ContentError(file, "front matter", f"invalid YAML: {exc}") from None
    meta = _mapping(file, meta, "front matter")
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
    body = m.group(2).strip()
    if not body:
        raise ContentError(file, "body", "is empty")
    body_en = _text(file, meta, "body_en", required=False)
    return Notice(slug=slug, title=_text(file, meta, "title"), date=date,
                  summary=_text(file, meta, "summary", required=False),
                  html=markdown_html(body),
                  title_en=_text(file, meta, "title_en", required=False) or None,
                  source=file.name,
                  summary_en=_text(file, meta, "summary_en", required=False) or None,
                  html_en=markdown_html(body_en) if body_en else None)


# Chinese has no spaces between words: a line break inside a paragraph of Chinese (the source
# files wrap at ~100 columns) must not become the space a browser shows for it.
_CJK = "\u2014\u2018-\u201d\u2026\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])\n(?=[{_CJK}])")
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.S)
_HEADING = re.compile(r"<(/?)h([1-5])\b")


def markdown_html(text: str, demote: int = 0) -> Markup:
    """Trusted Markdown from the repository (notices, consultation backgrounds) as HTML: line
    breaks between two Chinese characters dropped (not inside <pre>), and headings `demote`
    levels down when the text sits under a section heading of the page."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    html = "".join(part if part.startswith("<pre") else _CJK_BREAK.sub("", part)
                   for part in _PRE.split(html))
    if demote:
        html = _HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + demote}", html)
    return Markup(html)
