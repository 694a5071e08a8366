"""The content bundle: how a content commit reaches a deployed stage without a new package.

`content/` (notices, topics, calendar years, departments…) and the theme (`site/theme`) travel as
one gzipped tar, `<sha256>.tar.gz`, in the stage's deployment bucket under `<stage>/content/`.
`wenzheng deploy` makes and uploads it and gives its address to every function as the stack
parameter `ContentBundle` (the variable `WENZHENG_CONTENT_BUNDLE`). A commit that changes only
content or the theme is deployed without packaging: the stack update changes that one variable,
so Lambda starts fresh processes that fetch the new bundle once, at start-up, and the pages and
the API agree on one content/ (the deploy then rebuilds the site from the same files).

`make_bundle` is deterministic (sorted entries, no times, owners or modes of the machine), so
the same files give the same name and an unchanged bundle is not uploaded again. `fetch` checks
the bytes against the name and extracts only plain files and folders under `content/` and
`theme/` (no links, no absolute paths, no `..`), into a folder of its own per bundle, switched
in by one rename. Without the variable the function reads the content packaged with it.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import Settings, StartupError

__all__ = ["BUNDLE_URI", "apply", "fetch", "make_bundle", "parse_uri"]

# the two trees a bundle holds: its folder name -> the repository's
TREES = {"content": "content", "theme": "site/theme"}
BUNDLE_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/"
                        r"(?P<key>(?:[A-Za-z0-9._-]+/)*(?P<sha>[0-9a-f]{64})\.tar\.gz)$")
MAX_BYTES = 64 << 20        # a bundle larger than this is refused (content/ is ~1 MB)


def _files(root: Path, top: str) -> list[Path]:
    base = root / top
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and not any(part.startswith(".") for part in p.relative_to(base).parts))


def make_bundle(root: Path) -> tuple[bytes, str]:
    """The bundle of `root`'s content/ and site/theme: its bytes and their SHA-256."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, top in TREES.items():
            for path in _files(root, top):
                data = path.read_bytes()
                info = tarfile.TarInfo(f"{name}/{path.relative_to(root / top).as_posix()}")
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                tar.addfile(info, io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    data = packed.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def parse_uri(uri: str) -> tuple[str, str, str]:
    """(bucket, key, sha256) of `s3://bucket/…/<sha256>.tar.gz`; StartupError otherwise."""
    match = BUNDLE_URI.match(uri)
    if match is None:
        raise StartupError(f"WENZHENG_CONTENT_BUNDLE is not s3://bucket/…/<sha256>.tar.gz: "
                           f"{uri!r}")
    return match["bucket"], match["key"], match["sha"]


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for member in members:
        parts = member.name.split("/")
        if (member.name.startswith("/") or ".." in parts or parts[0] not in TREES
                or not (member.isfile() or member.isdir())):
            raise StartupError(f"the content bundle holds {member.name!r}: only files under "
                               "content/ and theme/ may be in it")
    return members


def unpack(data: bytes, sha: str, cache: Path) -> Path:
    """Check `data` against `sha` and extract it into `cache/<sha>` (once); that folder."""
    if hashlib.sha256(data).hexdigest() != sha:
        raise StartupError(f"the content bundle's bytes do not match its name ({sha[:12]}…)")
    target = cache / sha
    if (target / "content").is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=cache))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(work, members=_safe_members(tar), filter="data")
        if not (work / "content").is_dir():
            raise StartupError("the content bundle has no content/ folder")
        try:
            os.rename(work, target)
        except OSError:
            if not (target / "content").is_dir():     # not another process's same bundle
                raise
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise StartupError(f"cannot unpack the content bundle {sha[:12]}…: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def fetch(uri: str, cache: Path, client: Any = None) -> Path:
    """The folder holding the bundle `uri` names (content/ and theme/), fetched and unpacked
    on first use."""
    bucket, key, sha = parse_uri(uri)
    if (cache / sha / "content").is_dir():
        return cache / sha
    if client is None:
        import boto3
        client = boto3.client("s3")
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        answer = client.get_object(Bucket=bucket, Key=key)
        if int(answer.get("ContentLength") or 0) > MAX_BYTES:
            raise StartupError(f"the content bundle {uri} is larger than {MAX_BYTES >> 20} MB")
        data = answer["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise StartupError(f"cannot read the content bundle {uri}: {exc}") from exc
    return unpack(data, sha, cache)


def apply(settings: Settings, client: Any = None) -> Settings:
    """`settings` reading content/ and the theme from its bundle, when it names one."""
    if not settings.content_bundle:
        return settings
    folder = fetch(settings.content_bundle, settings.data_dir / "content-bundles", client)
    theme = folder / "theme"
    return replace(settings, content_dir=folder / "content",
                   theme_dir=theme if theme.is_dir() else settings.theme_dir)
