"""What a database and its media folder hold, read without the backup code or its manifest.

`state()` runs in the test process against the original database; run as a script
(`python -m tests.reliability.site_state MEDIA_ROOT`) with DATABASE_URL pointing at a restored
database, it prints the same as JSON, plus every issued pack as the download view serves it.
"""

import datetime
import hashlib
import json
import sys
from pathlib import Path


def rows_of_every_table(cursor):
    """{table: sorted rows}, each row as Python values turned to text."""
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    tables = [name for (name,) in cursor.fetchall()]
    contents = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
        contents[table] = sorted(
            repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
            for row in cursor.fetchall()
        )
    return contents


def sequences(cursor):
    cursor.execute(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
        "ORDER BY sequencename"
    )
    return dict(cursor.fetchall())


def file_hashes(root):
    root = Path(root)
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def ledger_figures():
    """Ledger totals through finance's own code, as text (Decimal's str round-trips exactly)."""
    from finance import ledger
    from finance.models import LedgerEntry
    from finance.reports import fund_statement

    by_kind = {}
    for kind, amount in LedgerEntry.objects.values_list("kind", "amount"):
        by_kind.setdefault(kind, []).append(amount)
    figures = {f"total {kind}": str(ledger.total(amounts)) for kind, amounts in by_kind.items()}
    for as_of in (datetime.date(2006, 7, 14), datetime.date(2030, 1, 1)):
        statement = fund_statement(as_of)
        for row in statement.rows:
            for column, cell in zip(statement.columns, row.cells, strict=True):
                if cell is not None:
                    figures[f"{as_of} {row.label} {column.heading}"] = str(cell)
            if row.total is not None:
                figures[f"{as_of} {row.label} total"] = str(row.total)
    return figures


def packs():
    from meetings.models import PackVersion

    return {
        f"{v.meeting_id} v{v.number}": {
            "file": v.file.name,
            "sha256": v.sha256,
            "supplement": v.supplement.name,
            "supplement_sha256": v.supplement_sha256,
        }
        for v in PackVersion.objects.all()
    }


def state(media_root):
    from django.db import connection

    with connection.cursor() as cursor:
        return {
            "rows": rows_of_every_table(cursor),
            "sequences": sequences(cursor),
            "files": file_hashes(media_root),
            "ledger": ledger_figures(),
            "packs": packs(),
        }


def served_packs():
    """Every issued pack and supplement through the download views, as the demo member."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from meetings.models import PackVersion

    client = Client()
    client.force_login(get_user_model().objects.get(username="member"))
    served = {}
    for v in PackVersion.objects.all():
        urls = {"file": reverse("meetings:pack_version_download", args=[v.meeting_id, v.number])}
        if v.supplement:
            urls["supplement"] = reverse(
                "meetings:supplement_download", args=[v.meeting_id, v.number]
            )
        for kind, url in urls.items():
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            served[f"{v.meeting_id} v{v.number} {kind}"] = {
                "status": response.status_code,
                "sha256": hashlib.sha256(body).hexdigest(),
            }
    return served


def main():
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    # Read everything before signing in: the session is a new row.
    result = state(sys.argv[1])
    result["served"] = served_packs()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
