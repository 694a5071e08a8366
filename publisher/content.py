"""content/ as the publisher reads it: the one loader of the function
(`chalicelib.adapters.content`), re-exported under the publisher's old name."""
from __future__ import annotations

from chalicelib.adapters.content import (
    CATEGORIES,
    SLUG,
    Content,
    ContentError,
    LeagueWeights,
    Notice,
    Site,
    cached_content,
    load_content,
    markdown_html,
)

__all__ = ["CATEGORIES", "SLUG", "Content", "ContentError", "LeagueWeights", "Notice", "Site",
           "cached_content", "load_content", "markdown_html"]
