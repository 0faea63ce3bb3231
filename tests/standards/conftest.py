"""The demo data and the three roles, as the accessibility crawl uses them."""

from tests.accessibility.conftest import demo, roles  # noqa: F401
