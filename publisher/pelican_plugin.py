"""The full build as a Pelican plugin: Pelican hosts the build, our generator writes the site.

`register()` connects `signals.get_generators`; the generator's `generate_output(writer)` runs
`publisher.build.full_build` into Pelican's output folder through a `LocalFolderSink`, with the
same renderer the incremental publisher uses, so both produce the same bytes. Pelican's own
pages and feeds are switched off in `site/pelicanconf.py`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator

from chalicelib.services.ports import Store

from .build import BuildResult, Progress

_results: dict[str, Any] = {}


class WenzhengGenerator(Generator):
    """Reads content/ and the store in `generate_context`, writes every page in
    `generate_output`."""

    def generate_context(self) -> None:
        from chalicelib.adapters.content import load_content
        from chalicelib.config import Settings

        self.wz_content = load_content(self.path)
        env = Settings.from_env()
        data = self.settings.get("WENZHENG_DATA") or (env.data_dir if env.data_dir_given
                                                      else None)
        factory = self.settings.get("WENZHENG_STORE_FACTORY") or store_from_env
        self.wz_store = factory(data)
        self.context["WENZHENG_SITE"] = self.wz_content.site

    def generate_output(self, writer: Any) -> None:
        del writer   # we write through our own sink (atomic, skips unchanged files)
        from .build import full_build
        from .sinks import LocalFolderSink

        result = full_build(self.wz_store, self.wz_content, LocalFolderSink(self.output_path),
                            theme_dir=self.theme,
                            progress=self.settings.get("WENZHENG_PROGRESS"))
        _results[os.path.realpath(self.output_path)] = result


def get_generators(pelican_object: Any) -> type[Generator] | None:
    # signals are process-wide: only add our generator to builds that list this plugin
    if __name__ not in (pelican_object.settings.get("PLUGINS") or ()):
        return None
    return WenzhengGenerator


def last_result(output_path: str) -> Any:
    return _results.pop(os.path.realpath(output_path), None)


def register() -> None:
    signals.get_generators.connect(get_generators)


# --- running Pelican, and the store it reads ------------------------------------------------

def store_from_env(data_dir: str | Path | None = None) -> Store:
    """The store the builds read, chosen like the function's: `WENZHENG_STORE=dynamodb` with
    `WENZHENG_TABLE`, else SQLite at `<data_dir or $WENZHENG_DATA>/wenzheng.sqlite3`."""
    from chalicelib.bootstrap import Settings, make_store, real_clock

    settings = Settings.from_env()
    folder = data_dir or (settings.data_dir if settings.data_dir_given else None)
    if settings.store != "dynamodb" and not folder:
        raise RuntimeError("set WENZHENG_DATA to the folder holding wenzheng.sqlite3")
    if folder:
        settings.data_dir = Path(folder)
    return make_store(settings, real_clock)


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def pelican_build(content_dir: str | Path, out_dir: str | Path, data_dir: str | Path,
                  settings_file: str | Path | None = None,
                  progress: Progress | None = None,
                  store_factory: Any = None) -> BuildResult:
    """Run Pelican with site/pelicanconf.py (our plugin does the work) into `out_dir`;
    `store_factory(data_dir)` opens the store (default: `store_from_env`)."""
    from pelican import Pelican
    from pelican.settings import read_settings

    conf = Path(settings_file) if settings_file else repo_root() / "site" / "pelicanconf.py"
    settings = read_settings(str(conf), override={
        "PATH": str(Path(content_dir).resolve()),
        "OUTPUT_PATH": str(Path(out_dir).resolve()),
        "WENZHENG_DATA": str(Path(data_dir).resolve()),
        "WENZHENG_PROGRESS": progress,
        "WENZHENG_STORE_FACTORY": store_factory,
    })
    from pelican.log import console
    quiet, console.quiet = console.quiet, True   # its "Processed 0 articles" reads as nothing built
    try:
        Pelican(settings).run()
    finally:
        console.quiet = quiet
    result = last_result(settings["OUTPUT_PATH"])
    if result is None:
        raise RuntimeError("the Wenzheng Pelican plugin did not run (check PLUGINS in "
                           f"{conf})")
    return result

