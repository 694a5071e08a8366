"""The site's search: a static, sharded Pagefind index of every published letter, notice and
consultation (`/search/`, and "可能已有答复" on `/write/`).

- `terms`: the segmenter-free words of the index (character bigrams), shared with search.js;
- `shards`: which text goes into which shard, as what record (public text only);
- `index`: building shards with Pagefind, marking what changes touch, the background drain.
"""
from .index import (
    MANIFEST_PATH,
    SHARDS_ROOT,
    IndexResult,
    SearchIndexError,
    build_index,
    drain,
    mark_changes,
    pagefind_available,
)
from .shards import SHARD_CAP, Record, Shard, filter_term, plan_shards
from .terms import query_terms, search_terms

__all__ = ["MANIFEST_PATH", "SHARDS_ROOT", "SHARD_CAP", "IndexResult", "Record",
           "SearchIndexError", "Shard", "build_index", "drain", "filter_term", "mark_changes",
           "pagefind_available", "plan_shards", "query_terms", "search_terms"]
