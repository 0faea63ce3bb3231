"""Fixtures the backup and restore tests share (on the disk and on an object store)."""

import uuid

import pytest
from django.db import connection

from tests.conftest import skip_unless_postgres


@pytest.fixture
def postgres():
    skip_unless_postgres("backup and restore")


@pytest.fixture
def fresh_database(postgres):
    """A new, empty database on the test cluster, dropped afterwards."""
    name = f"wkp_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
