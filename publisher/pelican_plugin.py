"""The full build as a Pelican plugin: Pelican hosts the build, our generator writes the site.

`register()` connects `signals.get_generators`; the generator's `generate_output(writer)` runs
`publisher.build.full_build` into Pelican's output folder through a `LocalFolderSink`, with the
same renderer the incremental publisher uses, so both produce the same bytes. Pelican's own
pages and feeds are switched off in `site/pelicanconf.py`.
"""
from __future__ import annotations

import os
from typing import Any

from pelican import signals
from pelican.generators import Generator

_results: dict[str, Any] = {}


class WenzhengGenerator(Generator):
    """Reads content/ and the store in `generate_context`, writes every page in
    `generate_output`."""

    def generate_context(self) -> None:
        from chalicelib.adapters.content import load_content
        from chalicelib.config import Settings

        from .build import store_from_env

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
