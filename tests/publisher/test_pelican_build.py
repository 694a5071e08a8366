"""The full build hosted by Pelican writes exactly what `full_build` writes."""
from __future__ import annotations

from pathlib import Path

from publisher_city import make_city
from sitecheck import diff_trees, read_tree

from publisher.build import full_build
from publisher.pelican_plugin import pelican_build, store_from_env
from publisher.sinks import LocalFolderSink

REPO = Path(__file__).resolve().parents[2]


def test_pelican_build_equals_full_build(tmp_path, content):
    data = tmp_path / "data"
    city = make_city(data, content)
    for i in range(3):
        city.full_cycle(subject=f"第{i}封来信", rate="satisfied" if i else None)
    city.full_cycle(dept="transport", public=False)

    pelican_out = tmp_path / "pelican"
    result = pelican_build(REPO / "content", pelican_out, data)
    assert result.pages > 0

    direct = tmp_path / "direct"
    full_build(store_from_env(data), content, LocalFolderSink(direct))
    a, b = read_tree(pelican_out), read_tree(direct)
    problems = diff_trees(a, b)
    assert not problems, "\n".join(problems[:10])
    assert "index.html" in a and "feeds/all.atom.xml" in a and "theme/css/site.css" in a


def test_pelican_build_reports_progress_and_rebuilds_in_place(tmp_path, content):
    data = tmp_path / "data"
    make_city(data, content).full_cycle()
    seen = []
    out = tmp_path / "out"
    pelican_build(REPO / "content", out, data,
                  progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    before = read_tree(out)
    second = pelican_build(REPO / "content", out, data)
    assert second.changed == [] and read_tree(out) == before
