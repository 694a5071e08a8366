"""The content bundle (chalicelib/adapters/content_bundle.py): content/ and the theme as one
file in the deployment bucket, which a deployed function reads at start-up instead of the
content packaged with it: the same files give the same bundle, a bundle is checked against its
name and unpacked only when it holds plain files of content/ and theme/, and a function started
with `WENZHENG_CONTENT_BUNDLE` serves the bundle's content."""
from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import tarfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.adapters import content_bundle
from chalicelib.config import Settings, StartupError

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "wenzheng-dev-deploy-123456789012-us-east-1"
NOTICE = "2026-10-08-platform-launch.md"


@pytest.fixture
def tree(tmp_path) -> Path:
    """A checkout's content/ and site/theme, with one notice changed by a content commit."""
    root = tmp_path / "checkout"
    for top in ("content", "site/theme"):
        shutil.copytree(ROOT / top, root / top, ignore=shutil.ignore_patterns("__pycache__"))
    notice = root / "content" / "notices" / NOTICE
    notice.write_text(notice.read_text(encoding="utf-8").replace(
        "title: 江城市“问政”平台正式上线", "title: 江城市“问政”平台正式上线（已更新）"),
        encoding="utf-8")
    return root


def test_the_same_files_make_the_same_bundle_and_caches_stay_out(tree):
    data, sha = content_bundle.make_bundle(tree)
    assert hashlib.sha256(data).hexdigest() == sha
    (tree / "content" / "__pycache__").mkdir()
    (tree / "content" / "__pycache__" / "x.pyc").write_bytes(b"cache")
    (tree / "content" / ".DS_Store").write_bytes(b"finder")
    assert content_bundle.make_bundle(tree) == (data, sha)          # times and caches aside
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        names = tar.getnames()
        assert all(m.mtime == 0 and m.uid == 0 and m.mode == 0o644 for m in tar.getmembers())
    assert f"content/notices/{NOTICE}" in names and "theme/templates/base.html" in names
    assert all(n.split("/")[0] in ("content", "theme") for n in names)
    (tree / "content" / "notices" / NOTICE).write_text("changed", encoding="utf-8")
    assert content_bundle.make_bundle(tree)[1] != sha


def test_a_bundle_is_checked_against_its_name_and_unpacked_once(tree, tmp_path):
    data, sha = content_bundle.make_bundle(tree)
    cache = tmp_path / "cache"
    with pytest.raises(StartupError, match="do not match"):
        content_bundle.unpack(data, "0" * 64, cache)
    folder = content_bundle.unpack(data, sha, cache)
    assert folder == cache / sha
    assert (folder / "content" / "notices" / NOTICE).read_bytes() == \
        (tree / "content" / "notices" / NOTICE).read_bytes()
    assert content_bundle.unpack(data, sha, cache) == folder
    assert [p.name for p in cache.iterdir()] == [sha]              # no half-unpacked folder


def _tar(members: list[tuple[tarfile.TarInfo, bytes]]) -> tuple[bytes, str]:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    data = gzip.compress(raw.getvalue())
    return data, hashlib.sha256(data).hexdigest()


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _link(name: str, target: str) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info, b""


@pytest.mark.parametrize("member", [
    _file("../escape.txt"), _file("/etc/passwd"), _file("content/../../up.txt"),
    _file("elsewhere/notes.txt"), _link("content/link", "/etc/passwd")])
def test_a_bundle_with_anything_but_content_and_theme_files_is_refused(member, tmp_path):
    data, sha = _tar([_file("content/site.yaml", b"name: x\n"), member])
    with pytest.raises(StartupError, match="only files under"):
        content_bundle.unpack(data, sha, tmp_path / "cache")
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "cache" / sha).exists()


@pytest.mark.parametrize("uri", [
    "", "https://bucket/key.tar.gz", "s3://bucket/content/latest.tar.gz",
    "s3://Bucket/dev/content/" + "a" * 64 + ".tar.gz", "s3://b/" + "a" * 64 + ".zip"])
def test_an_address_that_names_no_bundle_is_refused(uri):
    with pytest.raises(StartupError, match="WENZHENG_CONTENT_BUNDLE"):
        content_bundle.parse_uri(uri)


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_a_function_started_with_a_bundle_serves_its_content(tree, tmp_path, s3, monkeypatch):
    data, sha = content_bundle.make_bundle(tree)
    key = f"dev/content/{sha}.tar.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    monkeypatch.setattr("boto3.client", lambda name, **kw: s3)    # the function's own client
    settings = Settings.from_env({"WENZHENG_DATA": str(tmp_path / "data"),
                                  "WENZHENG_CONTENT_BUNDLE": f"s3://{BUCKET}/{key}"})
    assert settings.content_bundle == f"s3://{BUCKET}/{key}"
    app = bootstrap.build(settings)
    titles = [n.title for n in app.content.notices]
    assert "江城市“问政”平台正式上线（已更新）" in titles
    assert app.settings.content_dir == tmp_path / "data" / "content-bundles" / sha / "content"
    assert app.settings.theme_dir == tmp_path / "data" / "content-bundles" / sha / "theme"
    # without the variable: the content packaged with the function
    plain = bootstrap.build(Settings.from_env({"WENZHENG_DATA": str(tmp_path / "plain")}))
    assert "江城市“问政”平台正式上线（已更新）" not in [n.title for n in plain.content.notices]


def test_a_missing_bundle_stops_the_function_with_its_address(tmp_path, s3, monkeypatch):
    monkeypatch.setattr("boto3.client", lambda name, **kw: s3)
    uri = f"s3://{BUCKET}/dev/content/{'b' * 64}.tar.gz"
    with pytest.raises(StartupError, match="cannot read the content bundle"):
        bootstrap.build(Settings.from_env({"WENZHENG_DATA": str(tmp_path),
                                           "WENZHENG_CONTENT_BUNDLE": uri}))
