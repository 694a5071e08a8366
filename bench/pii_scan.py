"""`python -m bench.pii_scan [--csv replies.csv] [--out bench/results]`: invariant 2 on real data.

Imports the whole of replies.csv (2,816 real letters with their replies) into a temporary
SQLite store through `wenzheng import` (wenzheng.importer), builds the full site, and scans
every published file for personal data: each letter's page for its writer's handle (the `user`
column, in any case and with separators inside) and every file for every class
`privacy.find_personal_data` knows, plus every handle of the data set anywhere on the site.
Then the two corpora of tests/unit/test_privacy_corpus.py: variants caught, look-alikes kept.
And the other side of the rule on the real text: how many real subjects, bodies and replies
redaction changes, by class — what it takes out beyond the organisers' own masks
(0000-00000000, *****), which it leaves alone. Prints a summary, writes it as JSON into
`--out`, and exits 1 if anything leaked.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO / "functions", REPO, REPO / "tests" / "unit", REPO / "tests" / "publisher"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def default_csv() -> Path:
    """The data set beside the clone (../shared, as CI lays it), else the workplace's copy."""
    if os.environ.get("WENZHENG_PII_DATA"):
        return Path(os.environ["WENZHENG_PII_DATA"])
    for root in (REPO.parent / "shared", Path("/work/shared")):
        path = root / "data" / "citizen-letters" / "replies.csv"
        if path.exists():
            return path
    return REPO.parent / "shared" / "data" / "citizen-letters" / "replies.csv"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def handle_pattern(handle: str) -> re.Pattern[str]:
    """A handle as a page might show it: any case, separators between its characters."""
    chars = [re.escape(c) for c in handle if not c.isspace()]
    edge_l = r"(?<![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", handle) else ""
    edge_r = r"(?![A-Za-z0-9])" if re.search(r"[A-Za-z0-9]$", handle) else ""
    return re.compile(edge_l + r"[\s._-]{0,2}".join(chars) + edge_r, re.IGNORECASE)


HANDLE_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,3}\d{3,}(?![A-Za-z0-9])")


def scan_site(files: dict[str, bytes], handle_of_page: dict[str, str],
              all_handles: set[str]) -> dict:
    from sitecheck import TEXT_FILES, readable_text

    from chalicelib.domain.privacy import find_personal_data

    leaks: list[tuple[str, str, str]] = []
    scanned = pages = letter_pages = open_data = 0
    for path, data in files.items():
        if not path.endswith(TEXT_FILES):
            continue
        scanned += 1
        pages += path.endswith(".html")
        open_data += path.startswith("data/letters-")   # every letter, private ones too
        text = readable_text(path, data)
        raw = data.decode("utf-8", "replace")
        handle = handle_of_page.get(path)
        names = [handle] if handle else []
        if handle:
            letter_pages += 1
            for where in (text, raw):
                m = handle_pattern(handle).search(where)
                if m:
                    leaks.append((path, "writer's handle", m.group(0)))
                    break
        leaks += [(path, kind, found) for kind, found in find_personal_data(text, names=names)]
        leaks += [(path, "a handle of the data set", t) for t in HANDLE_TOKEN.findall(text)
                  if t.lower() in all_handles]
    return {"files_scanned": scanned, "html_pages": pages, "letter_pages": letter_pages,
            "open_data_files": open_data,
            "leaks": len(leaks), "leak_examples": leaks[:20],
            "leaks_by_kind": dict(Counter(k for _, k, _ in leaks))}


def scan_index(files: dict[str, bytes], handle_of_page: dict[str, str],
               all_handles: set[str]) -> dict:
    """The search index's data files (publisher/search/inspect.py): each fragment's content and
    meta, each word of the other files, for what `find_personal_data` finds, every handle of
    the data set, and each letter's own writer's handle in its fragment."""
    from chalicelib.domain.privacy import find_personal_data
    from publisher.search.inspect import index_texts, read_fragment
    from publisher.search.terms import readable_text

    leaks: list[tuple[str, str, str]] = []
    pieces = fragments = 0
    handle_of_url = {"/" + p.removesuffix("index.html"): h for p, h in handle_of_page.items()}
    for path, data in files.items():
        if path.endswith(".pf_fragment"):
            fragments += 1
            doc = read_fragment(data)
            handle = handle_of_url.get(doc.get("url", ""))
            text = readable_text(doc.get("content", "").split("\u2063")[0])
            if handle and handle_pattern(handle).search(text):
                leaks.append((path, "writer's handle", handle))
    for where, text in index_texts(files):
        if where.endswith("#content"):
            continue                 # the terms themselves: scanned as read back (#text)
        pieces += 1
        leaks += [(where, kind, found) for kind, found in find_personal_data(text)]
        leaks += [(where, "a handle of the data set", t) for t in HANDLE_TOKEN.findall(text)
                  if t.lower() in all_handles]
    return {"fragments": fragments, "pieces_scanned": pieces, "leaks": len(leaks),
            "leak_examples": leaks[:20], "leaks_by_kind": dict(Counter(k for _, k, _ in leaks))}


def corpus_figures() -> dict:
    from test_privacy_corpus import CASES, LOOK_ALIKES, NAMES

    from chalicelib.domain.privacy import find_personal_data, redact

    caught = Counter()
    total = Counter()
    missed = []
    for kind, text, datum, _ in CASES:
        total[kind] += 1
        public = redact(text, names=NAMES)
        if datum not in public and not find_personal_data(public, names=NAMES):
            caught[kind] += 1
        else:
            missed.append((kind, text))
    kept = sum(redact(t) == t for t in LOOK_ALIKES)
    return {"variants": len(CASES), "variants_caught": sum(caught.values()),
            "by_class": {k: f"{caught[k]}/{total[k]}" for k in total}, "missed": missed,
            "look_alikes": len(LOOK_ALIKES), "look_alikes_kept": kept}


def real_text_changes(rows: list[dict[str, str]]) -> dict:
    """What redaction takes out of the real text, by class; the handle counted apart."""
    from chalicelib.domain.privacy import _find

    changed = Counter()       # (column, "any" | "beyond the handle")
    kinds = Counter()         # (column, kind) → texts with at least one
    items = Counter()         # kind → items redacted
    for r in rows:
        handle = handle_pattern(r["user"])
        for column in ("subject", "body", "reply"):
            spans = list(_find(r[column], [r["user"]]))
            if not spans:
                continue
            changed[column, "any"] += 1
            other = [(s, e, k) for s, e, k, _ in spans
                     if not (k == "name" and handle.fullmatch(r[column][s:e].strip()))]
            if other:
                changed[column, "beyond the handle"] += 1
            for k in {k for _, _, k in other}:
                kinds[column, k] += 1
            for _, _, k in other:
                items[k] += 1
    return {"texts": {c: len(rows) for c in ("subject", "body", "reply")},
            "changed": {f"{c} ({what})": n for (c, what), n in sorted(changed.items())},
            "texts_with_class": {f"{c}: {k}": n for (c, k), n in sorted(kinds.items())},
            "items_by_class": dict(items.most_common())}


def run(csv_path: Path) -> dict:
    from bench.data import CONTENT_DIR, make_context
    from chalicelib.adapters.sqlite import SqliteStore
    from chalicelib.bootstrap import load_departments
    from publisher.build import full_build
    from publisher.content import load_content
    from publisher.search import build_index
    from publisher.sinks import MemorySink
    from wenzheng.importer import import_csv, letter_id_for

    rows = read_rows(csv_path)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wenzheng-pii-") as folder:
        store = SqliteStore(Path(folder) / "wenzheng.sqlite3")
        from chalicelib.bootstrap import real_clock
        ctx = make_context(store, real_clock)
        default = next(iter(load_departments(CONTENT_DIR)))
        report = import_csv(ctx, csv_path, default_department=default)
        t_import = time.perf_counter() - t0
        sink = MemorySink()
        full_build(store, load_content(CONTENT_DIR), sink)
        build_index(store, load_content(CONTENT_DIR), sink)
        t_build = time.perf_counter() - t0 - t_import
        handle_of_page = {}
        for r in rows:
            lid = letter_id_for(r["id"])
            handle_of_page[f"letters/{lid}/index.html"] = r["user"]
            handle_of_page[f"en/letters/{lid}/index.html"] = r["user"]
        published = store.count_published()
    all_handles = {r["user"].strip().lower() for r in rows if r["user"].strip()}
    shown = {p: h for p, h in handle_of_page.items() if p in sink.files}
    site = scan_site(sink.files, shown, all_handles)
    index = scan_index(sink.files, handle_of_page, all_handles)
    t_scan = time.perf_counter() - t0 - t_import - t_build
    return {"csv": str(csv_path), "rows": len(rows), "import": report.summary(),
            "published": published, "site": site, "search_index": index,
            "corpus": corpus_figures(),
            "real_text": real_text_changes(rows),
            "seconds": {"import": round(t_import, 1), "build": round(t_build, 1),
                        "scan": round(t_scan, 1)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args(argv)
    csv_path = args.csv or default_csv()
    if not csv_path.exists():
        print(f"no data set at {csv_path} (set --csv or WENZHENG_PII_DATA)", file=sys.stderr)
        return 2
    result = run(csv_path)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pii_scan.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    site, corpus = result["site"], result["corpus"]
    print(f"imported {result['import']['imported']} of {result['rows']} rows, "
          f"{result['published']} published; {site['files_scanned']} files scanned "
          f"({site['html_pages']} HTML pages, {site['letter_pages']} letter pages with their "
          f"writer's handle checked)")
    print(f"leaks found: {site['leaks']} {site['leaks_by_kind'] or ''}")
    for leak in site["leak_examples"]:
        print("  ", *leak)
    index = result["search_index"]
    print(f"search index: {index['fragments']} records, {index['pieces_scanned']} pieces scanned;"
          f" leaks found: {index['leaks']} {index['leaks_by_kind'] or ''}")
    for leak in index["leak_examples"]:
        print("  ", *leak)
    print(f"corpus: {corpus['variants_caught']}/{corpus['variants']} variants caught "
          f"({', '.join(f'{k} {v}' for k, v in corpus['by_class'].items())}); "
          f"look-alikes kept {corpus['look_alikes_kept']}/{corpus['look_alikes']}")
    real = result["real_text"]
    print("real text changed by redaction:", json.dumps(real["changed"], ensure_ascii=False))
    print("  texts per class:", json.dumps(real["texts_with_class"], ensure_ascii=False))
    print("  items per class:", json.dumps(real["items_by_class"], ensure_ascii=False))
    print("seconds:", result["seconds"])
    leaked = site["leaks"] or index["leaks"] or corpus["variants_caught"] != corpus["variants"]
    return 1 if leaked else 0


if __name__ == "__main__":
    sys.exit(main())
