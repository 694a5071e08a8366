"""Fixtures for the publisher tests: a small city driven through the real use cases."""
from __future__ import annotations

from pathlib import Path

import pytest
from publisher_city import City

from fakes import cst
from publisher.content import load_content

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def content():
    return load_content(REPO / "content")


@pytest.fixture
def s3():
    """A moto S3 client with the bucket `site` (the sink, manifest and spool tests')."""
    import boto3
    from moto import mock_aws
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="site")
        yield client


@pytest.fixture
def city(ctx, clock, content) -> City:
    clock.at = cst(2026, 11, 2, 9, 0)
    return City(ctx=ctx, clock=clock, content=content)
