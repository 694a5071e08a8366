"""The registry of page families: one module per family, each with its renderers beside the
declaration of what it reads (see `family.Family`).

The order is the full build's: the site's pages family by family, then the letter archive,
streamed one archive page at a time (`pages.all_pages`).
"""
from __future__ import annotations

from collections.abc import Mapping

from . import (
    board,
    channels,
    consultations,
    departments,
    exposure,
    facets,
    feeds,
    fixed,
    home,
    hot,
    interviews,
    leaders,
    league,
    letters,
    notices,
    open_data,
    search,
    sitemaps,
)
from .family import Family, RenderFn

FAMILIES: tuple[Family, ...] = (
    home.FAMILY, board.FAMILY, letters.FAMILY, departments.FAMILY, league.FAMILY,
    exposure.FAMILY, feeds.FAMILY, sitemaps.FAMILY, notices.FAMILY, fixed.FAMILY,
    consultations.FAMILY, facets.FAMILY, search.FAMILY, open_data.FAMILY,
    hot.FAMILY, channels.FAMILY, leaders.FAMILY, interviews.FAMILY,
)


def _by_kind(families: tuple[Family, ...]) -> dict[str, Family]:
    out: dict[str, Family] = {}
    for family in families:
        for kind in family.renderers:
            if kind in out:
                raise ValueError(f"page kind {kind!r} is declared by {out[kind].name} and "
                                 f"{family.name}")
            out[kind] = family
    return out


FAMILY_OF: Mapping[str, Family] = _by_kind(FAMILIES)
_RENDERERS: dict[str, RenderFn] = {kind: f.renderers[kind] for kind, f in FAMILY_OF.items()}


def renderer_for(kind: str) -> RenderFn:
    try:
        return _RENDERERS[kind]
    except KeyError:
        raise KeyError(f"unknown page kind {kind!r}") from None


def family_of(kind: str) -> Family:
    try:
        return FAMILY_OF[kind]
    except KeyError:
        raise KeyError(f"unknown page kind {kind!r}") from None
