"""The theme: where it is, its static assets (versioned by content), and the one Jinja
environment per theme that every build in a process shares.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, meta
from jinja2.environment import TemplateModule
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.utils import missing
from markupsafe import Markup, escape

try:                                   # markupsafe's C escaping, behind its public `escape`
    from markupsafe import _escape_inner
except ImportError:                    # pragma: no cover - another markupsafe: Jinja's own
    _escape_inner = None  # type: ignore[assignment]

from . import formatting as F
from . import i18n


def default_theme_dir() -> Path:
    """`<repo>/site/theme` in the source tree, else `$WENZHENG_THEME`."""
    here = Path(__file__).resolve().parent.parent / "site" / "theme"
    if (here / "templates").is_dir():
        return here
    from chalicelib.config import Settings

    env = Settings.from_env().theme_dir
    if env and (env / "templates").is_dir():
        return env
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


# the language helpers (`formatting.TEMPLATE_GLOBALS`) a template calls as functions and
# FoldLanguage compiles as filters (`theme.environment` installs them as both)
AS_FILTERS = ("t", "u", "label", "rate_cell", "movement_cell", "letter_item")


class FoldLanguage(Extension):
    """Compiles `t("中文", "English")` and `u("/path/")` written with literal arguments into the
    page's language at compile time: a tag that only outputs one becomes template text,
    `{% if en %}English{% else %}中文{% endif %}` (escaped now, not per page), and one inside a
    larger expression becomes `("English" if en else "中文")`. Same output, without a call into
    Python and an escape each time (a page has dozens, rendered once per language).

    Two more rewrites, with the same output:
    - `asset("css/site.css")` becomes its versioned address, a constant;
    - a call of a language helper with other arguments, `t(a, b)`, `u(x)`, `label(x)`,
      `rate_cell(r, "n")`, `movement_cell(r)`, becomes the same function as a filter,
      `((a)|t(b))`: Jinja calls a filter directly, and a global through `Context.call`, which
      inspects the function on every call (a dozen a page)."""

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        return self._fold(list(stream))

    def _fold(self, tokens: list[Token]) -> list[Token]:
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            choice = self._literal_choice(tokens, i)
            if choice is None:
                end = self._asset(tokens, i, out) or self._as_filter(tokens, i, out)
                if end:
                    i = end
                    continue
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

    def _asset(self, tokens: list[Token], i: int, out: list[Token]) -> int:
        """`asset("literal")`: its address as a string; the index after the call, or 0."""
        tok = tokens[i]
        if (tok.type != "name" or tok.value != "asset" or (i and tokens[i - 1].type == "dot")
                or [t.type for t in tokens[i + 1:i + 4]] != ["lparen", "string", "rparen"]):
            return 0
        asset: Callable[[str], str] = self.environment.globals["asset"]  # type: ignore[assignment]
        address = asset(tokens[i + 2].value)
        out.append(Token(tok.lineno, "string", address))
        return i + 4

    def _as_filter(self, tokens: list[Token], i: int, out: list[Token]) -> int:
        """`name(first, rest…)` of a helper as `((first)|name(rest…))`, its arguments folded
        too; the index after the call, or 0 (not such a call, or a keyword first)."""
        tok = tokens[i]
        if (tok.type != "name" or tok.value not in AS_FILTERS
                or (i and tokens[i - 1].type in ("dot", "pipe"))
                or i + 1 >= len(tokens) or tokens[i + 1].type != "lparen"):
            return 0
        args: list[list[Token]] = [[]]
        depth, j = 0, i + 1
        while j < len(tokens):
            kind = tokens[j].type
            if kind in ("lparen", "lbracket", "lbrace"):
                depth += 1
                if depth == 1:
                    j += 1
                    continue
            elif kind in ("rparen", "rbracket", "rbrace"):
                depth -= 1
                if depth == 0:
                    break
            elif kind == "comma" and depth == 1:
                args.append([])
                j += 1
                continue
            args[-1].append(tokens[j])
            j += 1
        else:
            return 0                                  # unbalanced: leave it to the parser
        first = args[0]
        if not first or (len(first) > 1 and first[1].type == "assign"):
            return 0
        line = tok.lineno
        out += [Token(line, "lparen", "("), Token(line, "lparen", "("), *self._fold(first),
                Token(line, "rparen", ")"), Token(line, "pipe", "|"), tok]
        rest = [a for a in args[1:] if a]
        if rest:
            out.append(Token(line, "lparen", "("))
            for n, arg in enumerate(rest):
                if n:
                    out.append(Token(line, "comma", ","))
                out += self._fold(arg)
            out.append(Token(line, "rparen", ")"))
        out.append(Token(line, "rparen", ")"))
        return j + 1

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


_new_str = str.__new__


def fast_escape(value: Any) -> Markup:
    """markupsafe's `escape` for a template's `{{ … }}`, with the same result, in fewer steps
    for the two kinds a page outputs most: a plain `str` (escaped by markupsafe's own C
    function, wrapped without `Markup.__new__`'s checks) and `Markup`, which is already safe
    and immutable (returned as it is). Anything else goes to `escape`."""
    kind = type(value)
    if kind is str:
        return _new_str(Markup, _escape_inner(value))
    if kind is Markup:
        return value
    return escape(value)


class ThemeTemplate(Template):
    """A theme template whose macro library, imported `with context` (`{% from "_macros.html"
    import letter_list with context %}`), is made once per language instead of once per page.

    Jinja runs the whole library again for every import with context, and its macros and that
    context refer to each other, so each page left a cycle for the garbage collector (the
    collector was a fifth of a full build). A library's output depends only on its macros'
    arguments and the names it reads from the importing page (`meta.find_undeclared_variables`,
    e.g. `en`, `lang`, `prefix`; plus `lang`, which the `t`/`u`/`label` helpers read): the
    module is kept by those names' values. A value that cannot be a key (unhashable) makes
    the module afresh, as Jinja does."""

    _free: tuple[str, ...] | None = None
    _modules: dict[tuple, TemplateModule] | None = None

    @classmethod
    def from_code(cls, environment: Environment, code: Any, globals: Any,
                  uptodate: Any = None) -> Template:
        """Jinja's compiled template, whose output escaping is `fast_escape` (the compiled
        code calls the `escape` of its module; a page has ~45 of them a language)."""
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__
        if _escape_inner is not None and namespace.get("escape") is escape:
            namespace["escape"] = fast_escape
        return template

    def make_module(self, vars: dict[str, Any] | None = None, shared: bool = False,
                    locals: Mapping[str, Any] | None = None) -> TemplateModule:
        loader = self.environment.loader
        if vars is None or loader is None or self.name is None:
            return super().make_module(vars, shared, locals)
        if self._free is None:
            source = loader.get_source(self.environment, self.name)[0]
            names = meta.find_undeclared_variables(self.environment.parse(source))
            self._free = tuple(sorted(names | {"lang"}))
        seen = dict(vars)
        for name, value in (locals or {}).items():
            if value is not missing:
                seen[name] = value
        key = tuple(seen.get(name, missing) for name in self._free)
        try:
            hash(key)
        except TypeError:
            return super().make_module(vars, shared, locals)
        if self._modules is None or len(self._modules) > 64:
            self._modules = {}
        module = self._modules.get(key)
        if module is None:
            module = self._modules[key] = super().make_module(vars, shared, locals)
        return module


_DICT_ATTRS = frozenset(dir(dict))


class ThemeEnvironment(Environment):
    """Jinja's environment with `x.name` on a plain dict answered in one step. Jinja tries the
    attribute first and, for a dict, gets an AttributeError before it looks up the key; a page
    has dozens of these (`letter.subject`, …), and the exception was a fifth of its time. Only
    a name a dict has as an attribute (`items`, `update`, …) goes Jinja's way, so the result
    is the same in every case."""

    template_class = ThemeTemplate

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRS:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


@lru_cache(maxsize=8)
def environment(theme_dir: str) -> Environment:
    """The one Jinja environment for a theme, shared by every build in this process."""
    # auto_reload off: a publish must not stat every template; `reload_theme()` after an edit
    env = ThemeEnvironment(loader=FileSystemLoader(str(Path(theme_dir) / "templates")),
                      autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                      keep_trailing_newline=True, undefined=StrictUndefined,
                      extensions=[FoldLanguage])
    versions = _asset_versions(theme_dir)

    def asset(rel: str) -> str:
        version = versions.get(rel)
        return f"/theme/{rel}?v={version}" if version else f"/theme/{rel}"

    env.globals.update(asset=asset, nav=i18n.NAV, formulas=i18n.FORMULAS,
                       **F.TEMPLATE_GLOBALS)
    env.filters.update(F.TEMPLATE_FILTERS)
    env.filters.update({name: F.TEMPLATE_GLOBALS[name] for name in AS_FILTERS})
    return env


def reload_theme() -> None:
    """Forget compiled templates and asset versions (a dev server calls this after an edit)."""
    environment.cache_clear()
    _asset_versions.cache_clear()

