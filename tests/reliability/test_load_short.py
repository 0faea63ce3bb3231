"""The load test, short: 10 members for 10 s against gunicorn and PostgreSQL on loopback.

The same script and scenario as the 5-minute, 50-member benchmark
(`tests/benchmarks/load_test.py`, figures in the README). It runs on a database of its own,
copied from the migrated test database and dropped afterwards, because gunicorn needs committed
data; pytest's database is not touched.
"""

import importlib.util
import os
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "load_test.py"


def load_script():
    spec = importlib.util.spec_from_file_location("load_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_members_browse_and_download_with_no_errors_and_no_typesetting(
    tmp_path, migrated_postgres_template, collected_static
):
    load_test = load_script()

    result = load_test.run(
        os.environ["DATABASE_URL"],
        users=10,
        duration=10,
        spawn_rate=5,
        workers=2,
        work=tmp_path,
        template=migrated_postgres_template,
        static_root=collected_static,
    )

    summary = load_test.report(result)
    assert result["failures"] == 0, summary
    assert result["kinds"]["page"]["requests"] > 0, summary
    assert result["kinds"]["pack download"]["requests"] > 0, summary
    # The demo pack was typeset once, when it was issued, and no download typeset anything.
    assert result["pack_builds"] == {
        f"meeting {pack['meeting']} v{pack['number']}": 1 for pack in result["packs"]
    }, summary
    assert result["web_renders"] == {}, summary
    assert result["problems"] == [], summary
