"""An S3-compatible store for the tests: moto's standalone server (`moto[server]`) on loopback.

One server per test session (per pytest-xdist worker), on a port the system picks, started on
first use and stopped at the end; each test that uses it gets a bucket of its own. Tests marked
`storage` run twice: with the files on the local disk and in the bucket (`file_storage`).
"""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.processes import stop_group

ROOT = Path(__file__).resolve().parents[1]
ACCESS_KEY = "wkp-test-access"
SECRET_KEY = "wkp-test-secret"  # moto accepts any credentials
REGION = "eu-west-2"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_server(log=None):
    """Start `moto_server` on a free loopback port; yield its address; stop it."""
    for _attempt in range(3):
        port = free_port()
        output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        if process.poll() is None:
            break
    else:
        raise RuntimeError("moto_server did not start")
    try:
        yield url
    finally:
        stop_group(process, timeout=10)
        if log:
            output.close()


def s3_client(endpoint):
    """A boto3 client of the test server, to look at the bucket from outside the app."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


def make_bucket(endpoint, name=None):
    name = name or f"wkp-{uuid.uuid4().hex[:12]}"
    client = s3_client(endpoint)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def storage_settings(endpoint, bucket, **options):
    return {
        "BACKEND": "wkp.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            **options,
        },
    }


def environment(endpoint, bucket):
    """The environment variables that put a subprocess's files in the bucket."""
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    """The default storage is a fresh bucket in moto's server for this test: its name."""
    bucket = make_bucket(s3_endpoint)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_settings(s3_endpoint, bucket),
    }
    return bucket


@pytest.fixture
def file_storage(request):
    """'local' or 's3': where this run of a `storage`-marked test keeps its files."""
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


def parametrise_storage(metafunc):
    """For tests/conftest.py's pytest_generate_tests: run `storage`-marked tests on both."""
    if metafunc.definition.get_closest_marker("storage") is None:
        return
    if "file_storage" not in metafunc.fixturenames:
        # First, so that the test's own fixtures already store their files where it runs.
        metafunc.fixturenames.insert(0, "file_storage")
    metafunc.parametrize("file_storage", ["local", "s3"], indirect=True)


@pytest.fixture
def unreachable_storage(settings):
    """The default storage is an S3 store nobody listens for (a closed loopback port)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_settings(f"http://127.0.0.1:{free_port()}", "wkp-away"),
    }
    settings.WKP_STORAGE_TIMEOUT = 1
    settings.WKP_STORAGE_RETRIES = 0
