"""Fixtures the backup and restore tests share (on the disk and on an object store)."""

import os
import uuid

import pytest
from django.db import connection


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        if os.environ.get("WKP_REQUIRE_POSTGRES") == "1":
            pytest.fail("WKP_REQUIRE_POSTGRES=1 but the tests run on SQLite")
        pytest.skip("backup and restore need PostgreSQL (run under tests/with_postgres.sh)")


@pytest.fixture
def fresh_database(postgres):
    """A new, empty database on the test cluster, dropped afterwards."""
    name = f"wkp_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
