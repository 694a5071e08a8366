"""`wenzheng`: run, build, seed, import and administer Wenzheng from the command line."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from chalicelib import bootstrap
from chalicelib.domain import leaders
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.errors import DomainError
from chalicelib.services import auth, supervision


class Progress:
    """A one-line progress bar on stderr (silent when stderr is not a terminal, except the end)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and (not self.tty or now - self.last < 0.1):
            return
        self.last = now
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        msg = f"\r{self.label} [{bar}] {done}/{total} {now - self.started:5.1f}s{end}"
        if self.tty or done >= total:
            sys.stderr.write(msg)
            sys.stderr.flush()


def _settings(args: argparse.Namespace) -> bootstrap.Settings:
    settings = bootstrap.Settings.from_env()
    if getattr(args, "data", None):
        settings.data_dir = Path(args.data)
    return settings


def _compose(args: argparse.Namespace) -> bootstrap.App:
    settings = _settings(args)
    as_of = getattr(args, "as_of", None)
    clock = (bootstrap.clock_from(bootstrap.parse_instant(as_of), settings) if as_of
             else bootstrap.real_clock)
    composed = bootstrap.build(settings, clock=clock)
    bootstrap.use(composed)
    return composed


def register_topics(ctx, settings: bootstrap.Settings) -> dict:
    """Check content/'s consultation files and register them in the store, so the API accepts
    comments and responses exactly while each topic is open (a bad file: `ContentError`)."""
    from chalicelib.adapters.content import load_topics
    from chalicelib.services.topics import register_topics as register
    return register(ctx, load_topics(settings.content_dir, set(ctx.departments)))


def _topic_context(settings: bootstrap.Settings):
    """What registration needs (the store, the departments, the clock) without the rest of the
    composition, so a build step needs no token secret."""
    from chalicelib.adapters.calendars import OfficialCalendar
    from chalicelib.services.context import Context
    return Context(store=bootstrap.make_store(settings, bootstrap.real_clock),
                   calendar=OfficialCalendar(settings.content_dir / "calendar"),
                   clock=bootstrap.real_clock,
                   departments=bootstrap.load_departments(settings.content_dir))


def _report(report: dict) -> str:
    return ", ".join(f"{k} {len(v)}" for k, v in report.items())


def cmd_topics_register(args: argparse.Namespace) -> int:
    settings = _settings(args)
    report = register_topics(_topic_context(settings), settings)
    print(json.dumps(report, ensure_ascii=False))
    return 0


def _log_to_stdout() -> None:
    """The server's own lines: one per API request (method, route, status, ms) and per publish
    (changes, pages, ms), and any error; never a path's ids or a body. (On stdout, where Chalice
    logs the app's errors: finding this handler there, it adds no second one.)"""
    import logging
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger("wenzheng")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def cmd_serve(args: argparse.Namespace) -> int:
    from publisher.build import full_build
    from publisher.runtime import content_for, site_dir
    from publisher.sinks import LocalFolderSink
    from publisher.site_swap import build_and_switch

    from .serve import serve

    _log_to_stdout()
    composed = _compose(args)
    ctx = composed.ctx
    if not composed.settings.site_url:
        # links in the local outbox's messages point at this server
        ctx.notify = replace(ctx.notify, site_url=f"http://{args.host}:{args.port}")
    print(f"consultation topics: {_report(register_topics(ctx, composed.settings))}")
    if not args.no_demo and composed.settings.is_local:
        from .demo import ensure_demo_accounts, seed_demo
        counts = seed_demo(ctx, ctx.clock(), progress=Progress("seeding demo city"))
        ensure_demo_accounts(ctx, ctx.clock())
        if "skipped" not in counts:
            print(f"demo city seeded: {json.dumps(counts, ensure_ascii=False)}")
    # the scheduled job's first run happens now, not one interval later: lights that came due
    # while the server was down (or during the demo's year) are recorded before the first build,
    # so the exposure board and the staff console start out right
    supervision.tick(ctx)
    # the full build covers what is pending: marked done only once the new tree is live, so
    # a server killed mid-build still has that work pending (or rebuilds) when it restarts
    pending = [c.id for c in ctx.store.pending_changes(100_000)]
    build_and_switch(site_dir(composed.settings), lambda tree: full_build(
        ctx.store, content_for(composed.settings), LocalFolderSink(tree),
        progress=Progress("building site")))
    ctx.store.mark_changes_done(pending)
    composed.site_publisher().drain()
    started = time.monotonic()
    index = composed.site_publisher().index_search(everything=True)
    if index["error"]:
        print(f"search index not built: {index['error']}", file=sys.stderr)
    else:
        print(f"search index: {len(index['shards'])} shard(s), {index['records']:,} records in "
              f"{time.monotonic() - started:.1f} s")

    def announce() -> None:
        url = f"http://{args.host}:{args.port}/"
        print(f"Wenzheng is running at {url}  (API at {url}api/health, staff console at "
              f"{url}staff/)")
        if composed.settings.is_local and not args.no_demo:
            print("demo staff accounts (local demo only): demo-office / demo  (office),"
                  f"  demo-clerk / demo  (clerk, {next(iter(ctx.departments))}),"
                  "  demo-operator / demo  (hotline operator)")
            print("  the mayor: demo-mayor / demo  (leader);  the supervising office: "
                  "demo-conduct / demo  (clerk, efficiency-office)")
            print("  interview evaluators: demo-deputy / demo  (人大代表),"
                  "  demo-expert / demo  (expert)")
        print("press Ctrl-C to stop", flush=True)

    try:
        serve(composed, host=args.host, port=args.port, tick_seconds=args.tick_seconds,
              on_ready=announce)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}"
              f" (choose another port: --port {args.port + 1}, or PORT={args.port + 1} make run)",
              file=sys.stderr)
        return 2
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.store:
        settings.store = args.store
    if args.workers < 0:
        print("error: --workers is a number of processes (0: every core)", file=sys.stderr)
        return 2
    workers = args.workers or os.cpu_count() or 1
    if args.sink:
        from .build_sink import build_to_bucket
        return build_to_bucket(settings, args.sink, no_search=args.no_search,
                               topics=lambda ctx: _report(register_topics(ctx, settings)),
                               progress=Progress("building site"), workers=workers,
                               take_over=args.take_over)
    from publisher.pelican_plugin import pelican_build
    from publisher.site_swap import build_and_switch
    report = register_topics(_topic_context(settings), settings)
    print(f"consultation topics: {_report(report)}")
    started = time.monotonic()

    def build(tree: Path):
        # the new tree is built whole (pages, then the search index) before it is switched in
        if workers > 1:
            from .build_sink import parallel_into
            result = parallel_into(settings, tree, workers)
        else:
            result = pelican_build(settings.content_dir, tree, settings.data_dir,
                                   store_factory=lambda _data: bootstrap.make_store(
                                       settings, bootstrap.real_clock))
        print(f"site built into {args.out}: {result.pages:,} pages in {result.files:,} files "
              f"({result.letters:,} published letters, zh-CN and English) in "
              f"{time.monotonic() - started:.1f} s")
        if not args.no_search and _build_search(settings, tree):
            raise SystemExit(1)
        return result

    build_and_switch(Path(args.out), build)
    return 0


def _build_search(settings, out: Path) -> int:
    from publisher.runtime import content_for
    from publisher.search import SearchIndexError, build_index
    from publisher.sinks import LocalFolderSink
    started = time.monotonic()
    store = bootstrap.make_store(settings, bootstrap.real_clock)
    try:
        index = build_index(store, content_for(settings), LocalFolderSink(out),
                            chunk_locs=settings.search_chunk_locs)
    except SearchIndexError as exc:
        print(f"error: the search index was not built: {exc}", file=sys.stderr)
        return 1
    print(f"search index: {len(index.shards)} shard(s), {index.records:,} records in "
          f"{time.monotonic() - started:.1f} s")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """`wenzheng search reindex`: bring the local site's search index up to date."""
    composed = _compose(args)
    started = time.monotonic()
    index = composed.site_publisher().index_search(everything=args.all)
    if index["error"]:
        print(f"error: {index['error']}", file=sys.stderr)
        return 1
    print(f"search index: rebuilt {', '.join(index['shards']) or 'nothing (up to date)'}; "
          f"{index['records']:,} records, {index['files']:,} files changed in "
          f"{time.monotonic() - started:.1f} s")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from .demo import seed_demo
    composed = _compose(args)
    register_topics(composed.ctx, composed.settings)
    counts = seed_demo(composed.ctx, composed.ctx.clock(), progress=Progress("seeding"))
    print(json.dumps(counts, ensure_ascii=False))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .importer import import_csv
    composed = _compose(args)
    report = import_csv(composed.ctx, Path(args.csv), default_department=args.default_department,
                        progress=Progress("importing"))
    for problem in report.problems:
        print(f"line {problem.line}: {problem.message}", file=sys.stderr)
    print(json.dumps(report.summary(), ensure_ascii=False))
    return 0 if not report.fatal else 1


def cmd_account_add(args: argparse.Namespace) -> int:
    composed = _compose(args)
    store = composed.ctx.store
    if args.role == "clerk":
        composed.ctx.department(args.department)
    if args.role == "leader":          # a leader's account keeps its leader where a clerk's dept
        args.department = leaders.known(composed.ctx.leaders, args.leader or args.department)
    if store.get_account(args.username) is not None and not args.replace:
        print(f"account {args.username} exists (use --replace to reset it)", file=sys.stderr)
        return 1
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    account = auth.new_account(args.username, password, args.role, args.department,
                               composed.ctx.clock())
    # a reset ends the old account's sessions: its tokens carry the old token version
    auth.replace_account(store, account)
    print(f"account {account.username} ({account.role}"
          f"{', ' + account.department if account.department else ''}) saved")
    return 0


def cmd_account_disable(args: argparse.Namespace) -> int:
    """Disable an account (it cannot log in, and every token it holds stops working at once),
    or with --enable let it log in again."""
    composed = _compose(args)
    account = auth.set_disabled(composed.ctx.store, args.username, not args.enable)
    if account is None:
        print(f"no account {args.username}", file=sys.stderr)
        return 1
    print(f"account {account.username} {'enabled' if args.enable else 'disabled'}")
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    """Lights, rating follow-ups, the office digest, delivery of notifications (var/outbox/
    locally), then the rebuild of what changed; a second run for the same time does nothing."""
    composed = _compose(args)
    now = datetime.fromisoformat(args.now) if args.now else composed.ctx.clock()
    if now.tzinfo is None:
        now = now.replace(tzinfo=CHINA_TZ)
    result = supervision.run_scheduled(composed.ctx, composed.notification_sender(), now)
    result["published_changes"] = composed.site_publisher().drain()
    print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_boards_backfill(args: argparse.Namespace) -> int:
    """The boards by type and category read their own index; on DynamoDB a letter published
    before it existed has no entry until this runs (SQLite fills it when the file opens)."""
    composed = _compose(args)
    backfill = getattr(composed.ctx.store, "backfill_board_entries", None)
    if backfill is None:
        print("nothing to do: this store fills the boards when it opens")
        return 0
    written = backfill()
    print(f"{written:,} board entries written; the boards' pages follow with the next full "
          "build of the site (the deploy's, or wenzheng build)")
    return 0


def cmd_contacts_backfill(args: argparse.Namespace) -> int:
    """The similar letters (重复件) find the same writer through a contact index; on DynamoDB
    a letter written before it existed has no entry until this runs (SQLite fills it when the
    file opens, migration 8)."""
    composed = _compose(args)
    backfill = getattr(composed.ctx.store, "backfill_contact_entries", None)
    if backfill is None:
        print("nothing to do: this store fills the contact index when it opens")
        return 0
    print(f"{backfill():,} contact entries written")
    return 0


def cmd_stats_recompute(args: argparse.Namespace) -> int:
    """Check the running statistics against every letter's history; print the corrections
    (period, department, counter: change) and, unless --check, apply them and publish the
    pages they touch. Exit 0 when nothing needed correcting or it was corrected, 1 when
    --check found drift."""
    composed = _compose(args)
    corrections = supervision.recompute_statistics(composed.ctx, apply=not args.check)
    for (period, dept), delta in corrections.items():
        changes = ", ".join(f"{c} {n:+d}" for c, n in delta.items())
        print(f"{period} {dept}: {changes}")
    summary = {"corrected_rows": len(corrections), "applied": bool(corrections) and not args.check}
    if summary["applied"]:
        summary["published_changes"] = composed.site_publisher().drain()
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if args.check and corrections else 0


def _model_store(args: argparse.Namespace):
    """The store `model train --from-store` and `model report` read: $WENZHENG_STORE, the
    SQLite file in --store-data (default $WENZHENG_DATA or ./var)."""
    settings = bootstrap.Settings.from_env()
    if args.store_data:
        settings.data_dir = Path(args.store_data)
    if settings.store == "sqlite" and not settings.sqlite_path.is_file():
        print(f"error: no store at {settings.sqlite_path} (--store-data DIR)", file=sys.stderr)
        return None
    return bootstrap.make_store(settings, bootstrap.real_clock)


def cmd_model_train(args: argparse.Namespace) -> int:
    """Train the category classifier and write its artifact (needs the `train` extra)."""
    from . import model_train

    data = Path(args.data) if args.data else None if args.from_store \
        else model_train.DEFAULT_DATA
    if data is not None and not (data / "messages.csv").is_file():
        print(f"error: no messages.csv in {data} (--data DIR)", file=sys.stderr)
        return 2
    store = None
    if args.from_store:
        store = _model_store(args)
        if store is None:
            return 2
    try:
        model_train.train(data, Path(args.out) if args.out else None, store=store)
    except model_train.TooFewLetters as refused:
        print(refused, file=sys.stderr)
        return 2
    return 0


def cmd_model_report(args: argparse.Namespace) -> int:
    """How often the office took the first suggestion, from the store's histories."""
    from chalicelib.services import suggestions

    store = _model_store(args)
    if store is None:
        return 2
    histories = [letter.history for letter in store.iter_letters()]
    counted = suggestions.acceptance(histories)
    for what, label in (("dispatch", "department"), ("category", "category")):
        shown, taken = counted[what]["shown"], counted[what]["taken"]
        share = f"{taken / shown:.1%}" if shown else "—"
        print(f"first suggested {label} taken: {taken} of {shown} ({share})")
    chosen = suggestions.chosen_departments(histories)
    print(f"categories whose department comes from history: {len(chosen)}"
          + "".join(f"\n  {c}: {d}" for c, d in chosen.items()))
    print(json.dumps(counted, ensure_ascii=False))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wenzheng", description="Wenzheng (问政) command line")
    sub = p.add_subparsers(dest="command", required=True)

    def data(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--data", help="data folder (SQLite store, built site); "
                        "default $WENZHENG_DATA or ./var")

    s = sub.add_parser("serve", help="run site + API on one port with the embedded store")
    s.add_argument("--port", type=int, default=bootstrap.Settings.from_env().port)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--no-demo", action="store_true", help="do not seed the demo city")
    s.add_argument("--tick-seconds", type=float, default=60.0)
    s.add_argument("--as-of", metavar="WHEN",
                   help="start the server's clock at this date or date-time (China time unless "
                   "an offset is given) and let it run from there; local stage only")
    data(s)
    s.set_defaults(fn=cmd_serve)

    b = sub.add_parser("build", help="full build of the site into a folder (Pelican; the "
                       "new tree switched in whole) or into the site bucket")
    where = b.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="DIR", help="a folder (a link to DIR.builds/<id>)")
    where.add_argument("--sink", metavar="s3://BUCKET[/PREFIX]",
                       help="the site bucket: only changed files uploaded (manifest of hashes), "
                       "then the CDN told (WENZHENG_DISTRIBUTION_ID)")
    b.add_argument("--store", choices=("sqlite", "dynamodb"),
                   help="the store to read (default WENZHENG_STORE; dynamodb: WENZHENG_TABLE)")
    b.add_argument("--no-search", action="store_true",
                   help="skip the search index (Pagefind) after the pages")
    b.add_argument("--take-over", action="store_true",
                   help="with --sink: build even though the bucket says another full build "
                        "is under way (it was killed; publisher/generations.py)")
    b.add_argument("--workers", type=int, default=1, metavar="N",
                   help="render on N processes (0: every core; default 1, through Pelican)")
    data(b)
    b.set_defaults(fn=cmd_build)

    se = sub.add_parser("search", help="the site's search index (Pagefind shards)")
    sesub = se.add_subparsers(dest="search_cmd", required=True)
    rx = sesub.add_parser("reindex", help="rebuild the stale shards of the local site's index "
                          "(what the server's background indexer does every few seconds)")
    rx.add_argument("--all", action="store_true", help="rebuild every shard")
    data(rx)
    rx.set_defaults(fn=cmd_search)

    d = sub.add_parser("seed-demo", help="seed the demo city into an empty store")
    data(d)
    d.set_defaults(fn=cmd_seed_demo)

    i = sub.add_parser("import", help="import historical letters with their replies from CSV")
    i.add_argument("csv")
    i.add_argument("--default-department", default=None)
    data(i)
    i.set_defaults(fn=cmd_import)

    a = sub.add_parser("account", help="staff accounts")
    asub = a.add_subparsers(dest="account_command", required=True)
    add = asub.add_parser("add", help="add a staff account (password from the prompt or stdin)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=auth.ROLES)
    add.add_argument("--department")
    add.add_argument("--leader", help="a leader id of content/leaders.yaml (role leader)")
    add.add_argument("--replace", action="store_true")
    data(add)
    add.set_defaults(fn=cmd_account_add)
    dis = asub.add_parser("disable", help="disable a staff account and end its sessions"
                          " (--enable: let it log in again)")
    dis.add_argument("username")
    dis.add_argument("--enable", action="store_true")
    data(dis)
    dis.set_defaults(fn=cmd_account_disable)

    tp = sub.add_parser("topics", help="consultation topics defined in content/")
    tsub = tp.add_subparsers(dest="topics_command", required=True)
    reg = tsub.add_parser("register", help="check content/{hearings,deliberations,solicitations,"
                          "surveys,interviews}/ and register the topics in the store")
    data(reg)
    reg.set_defaults(fn=cmd_topics_register)

    t = sub.add_parser("tick", help="run the scheduled job once (lights, reminders, "
                       "notifications, rebuild)")
    t.add_argument("--now", help="ISO-8601 time to run as (default: now)")
    data(t)
    t.set_defaults(fn=cmd_tick)

    st = sub.add_parser("stats", help="the departments' running statistics")
    ssub = st.add_subparsers(dest="stats_command", required=True)
    rc = ssub.add_parser("recompute", help="recompute from every letter's history and correct "
                         "what differs (after an upgrade that adds a counter)")
    rc.add_argument("--check", action="store_true",
                    help="only report; exit 1 if anything differs")
    data(rc)
    rc.set_defaults(fn=cmd_stats_recompute)

    bd = sub.add_parser("boards", help="the reply boards by type and category")
    bsub = bd.add_subparsers(dest="boards_command", required=True)
    bf = bsub.add_parser("backfill", help="once, after the deploy that adds the boards: write "
                         "the board entries of letters published before (DynamoDB)")
    data(bf)
    bf.set_defaults(fn=cmd_boards_backfill)

    ct = sub.add_parser("contacts", help="the contact index of the similar letters (重复件)")
    csub = ct.add_subparsers(dest="contacts_command", required=True)
    cf = csub.add_parser("backfill", help="once, after the deploy that adds the index: write "
                         "the contact entries of earlier letters (DynamoDB)")
    data(cf)
    cf.set_defaults(fn=cmd_contacts_backfill)

    md = sub.add_parser("model", help="the category model behind POST /api/suggest")
    msub = md.add_subparsers(dest="model_command", required=True)
    tr = msub.add_parser("train", help="train from the citizen-letter data (or the store's "
                         "history) and write "
                         "functions/chalicelib/adapters/models/category-<version>.json.gz")
    tr.add_argument("--data", help="folder with messages.csv and subjects_labeled.csv; "
                    "default ../shared/data/citizen-letters beside the repository (with "
                    "--from-store: only when given, added to the store's letters)")
    tr.add_argument("--from-store", action="store_true",
                    help="train on the store's letters whose category the office set, and "
                    "take each category's department from what the office chose")
    tr.add_argument("--store-data", help="with --from-store: the data folder of the SQLite "
                    "store; default $WENZHENG_DATA or ./var")
    tr.add_argument("--out", help="artifact path (default: the committed models/ folder)")
    tr.set_defaults(fn=cmd_model_train)
    rp = msub.add_parser("report", help="how often the office took the first suggestion")
    rp.add_argument("--store-data", help="the data folder of the SQLite store; "
                    "default $WENZHENG_DATA or ./var")
    rp.set_defaults(fn=cmd_model_report)

    dp = sub.add_parser("deploy", help="package, upload, create or update the stack, first "
                        "build, invalidate, smoke test (wenzheng/deploy.py)")
    dp.add_argument("--stage", required=True, choices=["dev", "prod"])
    dp.add_argument("--dry-run", action="store_true", help="print the plan; call nothing")
    dp.add_argument("--skip-package", action="store_true",
                    help="deploy the package already in infra/out")
    dp.add_argument("--full-build", action="store_true",
                    help="rebuild the whole site even if content/ and the theme are unchanged")
    dp.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE",
                    help="a stack parameter (AlarmEmail, SiteDomain, CertificateArn)")
    dp.set_defaults(fn=cmd_deploy)

    from . import backup, privacy_cli
    backup.add_commands(sub, data)
    privacy_cli.add_commands(sub, data)
    return p


def cmd_deploy(args: argparse.Namespace) -> int:
    from .deploy import main as deploy_main
    params = dict(p.split("=", 1) for p in args.parameter if "=" in p)
    return deploy_main(args.stage, args.dry_run, params, args.skip_package, args.full_build)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.fn(args)
    except DomainError as err:
        print(f"error: {err.message} ({err.message_en})", file=sys.stderr)
        return 2
    except bootstrap.StartupError as err:        # bad settings or content/ (ContentError)
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
