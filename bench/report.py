"""The bench's table: every figure next to its goal, the ratios, and a ✓/✗ per goal."""
from __future__ import annotations

from typing import Any

OK, MISS, NA = "✓", "✗", "–"


def _sizes(r: dict) -> list[int]:
    return sorted(int(s) for s in r["sizes"])


def _get(r: dict, size: int, *path: str) -> Any:
    node: Any = r["sizes"].get(str(size))
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def verdicts(r: dict) -> dict:
    """Each goal: the figure it is judged on (wall time), the goal, and whether it is met;
    `cpu_ok` says the same of the process's CPU time where that differs (a busy machine
    stretches wall time, not CPU time)."""
    wall = _verdicts(r, cpu=False)
    cpu = _verdicts(r, cpu=True)
    for name, v in wall.items():
        if name in cpu and "value" in cpu[name]:
            v["cpu_value"] = cpu[name]["value"]
            v["cpu_ok"] = cpu[name]["ok"]
            if isinstance(cpu[name].get("at"), dict):
                v["cpu_value_at"] = cpu[name]["at"]
    return wall


def _verdicts(r: dict, cpu: bool) -> dict:
    g = r["goals"]
    inc_key = "inproc_cpu_median_ms" if cpu else "inproc_median_ms"
    sec = "cpu_s" if cpu else "seconds"
    sizes = _sizes(r)
    largest, smallest = sizes[-1], sizes[0]
    out: dict[str, dict] = {}
    inc = _get(r, largest, "incremental", inc_key)
    # judged at 100,000 letters only (a smaller run shows the figure without a verdict)
    out["incremental_ms"] = {"at": largest, "value": inc, "goal": g["incremental_ms"],
                             "ok": (inc is not None and inc <= g["incremental_ms"])
                             if largest >= 100_000 else None}
    if len(sizes) > 1:
        growth = inc / _get(r, smallest, "incremental", inc_key)
        out["incremental_growth"] = {"at": f"{largest}/{smallest}", "value": growth,
                                     "goal": g["incremental_growth"],
                                     "ok": growth <= g["incremental_growth"]}
    speedups = {s: _get(r, s, "pelican", sec) / _get(r, s, "full", sec)
                for s in sizes if _get(r, s, "pelican") is not None}
    if speedups:
        out["vs_pelican"] = {"at": speedups, "value": min(speedups.values()),
                             "goal": g["vs_pelican"],
                             "ok": min(speedups.values()) >= g["vs_pelican"]}
    floors = {s: _get(r, s, "full", sec) / _get(r, s, "floor", sec) for s in sizes}
    out["vs_floor"] = {"at": floors, "value": max(floors.values()), "goal": g["vs_floor"],
                       "ok": max(floors.values()) <= g["vs_floor"]}
    imp = r.get("imports")
    if imp and not cpu:
        out["import_ratio"] = {"value": imp["ratio"], "goal": g["import_ratio"],
                               "ok": imp["ratio"] <= g["import_ratio"]}
        out["import_path_clean"] = {"value": imp["forbidden_loaded"], "goal": [],
                                    "ok": not imp["forbidden_loaded"]}
    w = _get(r, largest, "weights")
    if w and not cpu:
        for name in ("letter", "board"):
            out[f"gzip_{name}"] = {"at": largest, "value": w[name]["gzip_total"],
                                   "goal": g["gzip_bytes"],
                                   "ok": w[name]["gzip_total"] <= g["gzip_bytes"]}
        out["readable_without_js"] = {"value": w["letter"].get("text_in_html"), "goal": True,
                                      "ok": bool(w["letter"].get("text_in_html"))}
    return out


def _f(value: Any, fmt: str = "{:,.1f}") -> str:
    return NA if value is None else fmt.format(value)


def _mark(v: dict | None) -> str:
    if v is None or v["ok"] is None:
        return NA
    mark = OK if v["ok"] else MISS
    if "cpu_ok" in v and v["cpu_ok"] != v["ok"]:
        mark += f" ({OK if v['cpu_ok'] else MISS} on CPU time)"
    return mark


def _wc(wall: Any, cpu: Any, fmt: str = "{:,.1f}") -> str:
    """wall (CPU)"""
    if wall is None:
        return NA
    return fmt.format(wall) + ("" if cpu is None else " (" + fmt.format(cpu) + ")")


def _max_load(r: dict) -> float:
    return max([x.get("loadavg", 0.0) for size in r["sizes"].values()
                for x in size.values() if isinstance(x, dict)] or [0.0])


def table(r: dict) -> str:
    sizes = _sizes(r)
    v = verdicts(r)          # (not r["verdicts"]: JSON turns its int keys into text)
    m = r["machine"]
    head = ["", *[f"{s:,}" for s in sizes], "goal", ""]
    rows: list[list[str]] = []

    def section(title: str) -> None:
        rows.append([title] + [""] * (len(head) - 1))

    def row(label: str, values: list[str], goal: str = "", mark: str = "") -> None:
        rows.append([label, *values, goal, mark])

    def per(fn, fmt="{:,.1f}") -> list[str]:
        return [_f(fn(s), fmt) for s in sizes]

    largest = sizes[-1]
    section(f"Incremental publish of one approved reply (median of {r['repeats']})")
    row("  in process, ms wall (CPU)",
        [_wc(_get(r, s, "incremental", "inproc_median_ms"),
             _get(r, s, "incremental", "inproc_cpu_median_ms")) for s in sizes],
        f"≤ {r['goals']['incremental_ms']:.0f} at 100,000", _mark(v.get("incremental_ms")))
    row("  stream handler (on_stream), ms wall (CPU)",
        [_wc(_get(r, s, "incremental", "handler_median_ms"),
             _get(r, s, "incremental", "handler_cpu_median_ms")) for s in sizes])
    if "incremental_growth" in v:
        g = v["incremental_growth"]
        row(f"  growth t({largest:,})/t({sizes[0]:,}), in process",
            [""] * (len(sizes) - 1) + [_wc(g["value"], g.get("cpu_value"), "{:.2f}")],
            f"≤ {g['goal']}", _mark(g))
    row("  handler's first call in a fresh process (cold), ms",
        per(lambda s: _get(r, s, "incremental", "first_handler_ms"), "{:,.0f}"))
    def files(s: int) -> str:
        inc = _get(r, s, "incremental")
        rendered = inc.get("files_rendered_median")
        changed = inc.get("files_changed_median", inc.get("files_written_median"))
        return (f"{inc['page_keys']} / " + (f"{rendered:.0f} / " if rendered is not None else "")
                + f"{changed:.0f}")

    row("  page keys / files rendered / files changed", [files(s) for s in sizes])

    rounds = [len(_get(r, s, "full", "rounds_s") or [1]) for s in sizes]
    best = (f", fastest of {'/'.join(map(str, rounds))} builds"
            if any(n > 1 for n in rounds) else "")
    section(f"Full build (publisher.build.full_build → local folder, zh-CN + en{best})")
    row("  time, s wall (CPU)", [_wc(_get(r, s, "full", "seconds"), _get(r, s, "full", "cpu_s"))
                                 for s in sizes])
    row("  peak RSS, MB (before build)",
        [f"{_get(r, s, 'full', 'peak_rss_kb') / 1024:,.0f} "
         f"({_get(r, s, 'full', 'rss_before_kb') / 1024:,.0f})" for s in sizes])
    row("  HTML pages / files written",
        [f"{_get(r, s, 'full', 'html_pages'):,} / {_get(r, s, 'full', 'files'):,}"
         for s in sizes])
    row("  HTML pages per s", per(lambda s: _get(r, s, "full", "pages_per_s"), "{:,.0f}"))

    section("Stock Pelican 4.12 (default theme, Markdown articles, zh-CN only)")
    row("  time, s wall (CPU)", [_wc(_get(r, s, "pelican", "seconds"),
                                     _get(r, s, "pelican", "cpu_s")) for s in sizes])
    row("  peak RSS, MB",
        per(lambda s: (_get(r, s, "pelican", "peak_rss_kb") or 0) / 1024 or None, "{:,.0f}"))
    row("  HTML pages / pages per s",
        [NA if _get(r, s, "pelican") is None else
         f"{_get(r, s, 'pelican', 'html_pages'):,} / {_get(r, s, 'pelican', 'pages_per_s'):,.0f}"
         for s in sizes])
    if "vs_pelican" in v:
        speed = v["vs_pelican"]["at"]
        cpu_speed = v["vs_pelican"].get("cpu_value_at", {})
        row("  speed-up: Pelican time / our time, wall (CPU)",
            [_wc(speed[s], cpu_speed.get(s), "{:.2f}×") if s in speed else NA for s in sizes],
            f"≥ {r['goals']['vs_pelican']:.0f}×", _mark(v["vs_pelican"]))

    section("Floor: bare Jinja2 from memory, same letters and listings, zh-CN + en")
    row("  time, s wall (CPU)", [_wc(_get(r, s, "floor", "seconds"),
                                     _get(r, s, "floor", "cpu_s")) for s in sizes])
    row("  peak RSS, MB", per(lambda s: _get(r, s, "floor", "peak_rss_kb") / 1024, "{:,.0f}"))
    row("  HTML pages / pages per s",
        [f"{_get(r, s, 'floor', 'html_pages'):,} / {_get(r, s, 'floor', 'pages_per_s'):,.0f}"
         for s in sizes])
    floors = v["vs_floor"]["at"]
    cpu_floors = v["vs_floor"].get("cpu_value_at", {})
    row("  our time / floor time, wall (CPU)",
        [_wc(floors[s], cpu_floors.get(s), "{:.2f}×") for s in sizes],
        f"≤ {r['goals']['vs_floor']}×", _mark(v["vs_floor"]))

    section("Loading the store (not a goal: SQLite, 1,000 letters per unit of work)")
    row("  time, s (letters per s)",
        [f"{_get(r, s, 'load', 'seconds'):,.1f} ({_get(r, s, 'load', 'letters_per_s'):,.0f})"
         for s in sizes])

    imp = r.get("imports")
    if imp:
        section(f"Cold import (fresh interpreter, median of {imp['runs']}, with bytecode)")
        row("  import chalice, boto3, s", [""] * (len(sizes) - 1)
            + [f"{imp['baseline_median_s']:.3f}"])
        row("  import app (functions/app.py), s", [""] * (len(sizes) - 1)
            + [f"{imp['function_median_s']:.3f}"])
        row("  ratio", [""] * (len(sizes) - 1) + [f"{imp['ratio']:.2f}"],
            f"≤ {r['goals']['import_ratio']}", _mark(v.get("import_ratio")))
        row("  import app, no bytecode for functions/ (as packaged), s",
            [""] * (len(sizes) - 1)
            + [f"{imp['function_no_pyc_median_s']:.3f} ({imp['ratio_no_pyc']:.2f}×)"])
        row("  pelican / moto / jinja2 loaded by import app", [""] * (len(sizes) - 1)
            + [", ".join(imp["forbidden_loaded"]) or "none"], "none",
            _mark(v.get("import_path_clean")))

    w = _get(r, largest, "weights")
    if w:
        section(f"Page weight, gzip -{6} (page + its CSS, at {largest:,})")
        for name, label in (("letter", "letter page (median size)"), ("board", "board /letters/"),
                            ("largest_letter", "largest letter page (information)")):
            x = w[name]
            css = " + ".join(f"{b:,}" for b in x["gzip_css"].values())
            goal = f"≤ {r['goals']['gzip_bytes']:,} B" if name != "largest_letter" else ""
            mark = _mark(v.get(f"gzip_{name}")) if name != "largest_letter" else ""
            row(f"  {label}, B", [""] * (len(sizes) - 1)
                + [f"{x['gzip_page']:,} + {css} = {x['gzip_total']:,}"], goal, mark)
        scripts = w["letter"]["scripts"]
        row("  letter text in the HTML (no JS needed to read)", [""] * (len(sizes) - 1)
            + [f"{'yes' if w['letter'].get('text_in_html') else 'NO'}; "
               f"{len(scripts)} deferred script(s)" if all("defer" in s or "module" in s
                                                           for s in scripts)
               else f"{len(scripts)} blocking script(s)"],
            "yes", _mark(v.get("readable_without_js")))

    cells = [head, *(x for x in rows if any(x[1:]))]          # section titles run over
    widths = [max(len(str(x[i])) for x in cells) for i in range(len(head))]
    lines = [f"Wenzheng bench, {r['date']} — {m['cpu']} ×{m['cpus']}, {m['memory_gb']} GB, "
             f"Python {m['python']}, SQLite {m['sqlite']}{' (QUICK run)' if r['quick'] else ''}",
             f"Code: {r.get('code', '?')}.",
             f"Data: {r['data']}.",
             f"Stores and sites in {r['work']['file_system']} "
             f"({r['work']['files_per_s']:,.0f} folder+file creations per s). "
             f"Load average at the end of the measurements: up to {_max_load(r):.1f} "
             f"on {m['cpus']} CPUs.", ""]
    fmt = lambda cells: "  ".join(  # noqa: E731
        str(c).ljust(widths[i]) if i in (0, len(cells) - 2) else str(c).rjust(widths[i])
        for i, c in enumerate(cells)).rstrip()
    lines.append(fmt(head))
    lines.append("-" * len(lines[-1]))
    for x in rows:
        lines.append(fmt(x) if any(x[1:]) else x[0])
    lines.append("")
    met = sum(1 for x in v.values() if x["ok"])
    judged = sum(1 for x in v.values() if x["ok"] is not None)
    lines.append(f"Goals met: {met} of {judged} judged.  Whole run: {r.get('total_s', 0):,.0f} s.")
    return "\n".join(lines)


def markdown(r: dict, text: str) -> str:
    v = r["verdicts"]
    out = [f"# Wenzheng bench, {r['date']}", "", "```", text, "```", "", "## Verdicts", "",
           "| goal | figure (wall time) | figure (CPU time) | target | met |",
           "|---|---|---|---|---|"]

    def show(value: Any) -> str:
        if value is None:
            return NA
        return f"{value:,.2f}" if isinstance(value, float) else str(value)

    for name, x in v.items():
        out.append(f"| {name} | {show(x['value'])} | {show(x.get('cpu_value'))} | {x['goal']} |"
                   f" {_mark(x)} |")
    imp = r.get("imports")
    if imp:
        out += ["", "## Slowest imports of `import app` (own time, ms)", ""]
        out += [f"- `{name}` {ms:,.1f}" for name, ms in imp["slowest_own_imports_ms"]]
    return "\n".join(out) + "\n"
