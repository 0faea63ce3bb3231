"""Static files as production serves them: WhiteNoise's manifest storage after collectstatic.

Run in a subprocess with DEBUG unset (production settings) on the run's collected static files
(tests/conftest.py `collected_static`, collected the same way): a hashed file must come
compressed (Brotli or gzip, as the browser accepts) with a year-long, immutable cache lifetime;
the unhashed name only briefly cached; pages must link hashed names.
"""

import json

from tests.conftest import run_with_production_settings

PROBE = r"""
import gzip, json
from django.conf import settings
from django.templatetags.static import static
from django.test import Client

client = Client()
out = {"storage": settings.STORAGES["staticfiles"]["BACKEND"], "debug": settings.DEBUG}
for name in ("css/screen.css", "vendor/bootstrap/bootstrap.min.css", "js/seen.js", "favicon.ico"):
    url = static(name)
    answers = {}
    for accept in ("br, gzip", "gzip", ""):
        response = client.get(url, secure=True, HTTP_ACCEPT_ENCODING=accept)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        answers[accept or "none"] = {
            "status": response.status_code,
            "encoding": response.get("Content-Encoding", ""),
            "cache": response.get("Cache-Control", ""),
            "vary": response.get("Vary", ""),
            "length": len(body),
            "gunzips": accept == "gzip" and body[:2] == b"\x1f\x8b"
            and len(gzip.decompress(body)) > 0,
        }
    plain = client.get(settings.STATIC_URL + name, secure=True)
    out[name] = {
        "url": url,
        "answers": answers,
        "plain_status": plain.status_code,
        "plain_cache": plain.get("Cache-Control", ""),
    }
print("PROBE" + json.dumps(out))
"""


def test_production_serves_hashed_static_files_compressed_with_long_cache_lifetimes(
    collected_static,
):
    assert (collected_static / "staticfiles.json").is_file()

    output = run_with_production_settings("shell", "-c", PROBE, static_root=collected_static)
    probe = json.loads(output.split("PROBE", 1)[1])

    assert probe["debug"] is False
    assert probe["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    for name in ("css/screen.css", "vendor/bootstrap/bootstrap.min.css", "js/seen.js"):
        found = probe[name]
        stem = name.rsplit(".", 1)[0]
        assert found["url"].startswith(f"/static/{stem}.") and found["url"] != f"/static/{name}"
        answers = found["answers"]
        assert {a["status"] for a in answers.values()} == {200}, name
        assert answers["br, gzip"]["encoding"] == "br", name
        assert answers["gzip"]["encoding"] == "gzip" and answers["gzip"]["gunzips"], name
        assert answers["none"]["encoding"] == ""
        assert answers["br, gzip"]["length"] < answers["none"]["length"], name
        for answer in answers.values():
            cache = {part.strip() for part in answer["cache"].split(",")}
            assert {"public", "immutable", "max-age=315360000"} <= cache, (name, answer)
            assert "Accept-Encoding" in answer["vary"]
        # The unhashed name may change under the same address: cached for a minute only.
        assert found["plain_status"] == 200
        assert found["plain_cache"] == "max-age=60, public"
    # An icon is already compressed: WhiteNoise serves it as it is, for a year too.
    icon = probe["favicon.ico"]["answers"]["none"]
    assert icon["status"] == 200 and "max-age=315360000" in icon["cache"]
