"""The meeting page, in Chromium, is refused the back/forward cache for one reason only: its own
`Cache-Control: no-store` (signed-in pages). That every page finishes loading, with no request
in flight or failing, is checked by the crawl in tests/accessibility/test_every_url.py.
"""

import pytest

from tests.conftest import PASSWORD
from tests.urlcrawl import SETTLE_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Chromium's names for "the page is Cache-Control: no-store" (it restores such a page only when
# no cookie changed; the session cookie moves on every request, SESSION_SAVE_EVERY_REQUEST).
NO_STORE_REASONS = {
    "MainResourceHasCacheControlNoStore",
    "CacheControlNoStoreCookieModified",
    "CacheControlNoStoreHTTPOnlyCookieModified",
}


def not_restored_reasons(page, first, second):
    """Why Chromium did not restore `first` from the back/forward cache on Back."""
    session = page.context.new_cdp_session(page)
    session.send("Page.enable")
    reasons = []
    session.on(
        "Page.backForwardCacheNotUsed",
        lambda event: reasons.extend(
            explanation["reason"] for explanation in event["notRestoredExplanations"]
        ),
    )
    page.goto(first, wait_until="load")
    page.wait_for_timeout(SETTLE_MS)
    page.goto(second, wait_until="load")
    page.go_back(wait_until="load")
    page.wait_for_timeout(500)
    return sorted(set(reasons))


def test_meeting_page_is_kept_out_of_the_back_forward_cache_only_by_no_store(
    browser_type, browser_type_launch_args, live_server, sign_in, demo, roles
):
    # Playwright turns the back/forward cache off by default; this browser keeps it on.
    browser = browser_type.launch(
        **browser_type_launch_args, ignore_default_args=["--disable-back-forward-cache"]
    )
    try:
        page = browser.new_page()
        page.set_default_timeout(20000)
        sign_in(page, "member", PASSWORD)
        reasons = not_restored_reasons(
            page, f"{live_server.url}/meetings/1/", f"{live_server.url}/meetings/"
        )
    finally:
        browser.close()

    print(f"back/forward cache refused the meeting page for: {reasons}")
    assert reasons, "a signed-in page is no-store: Chromium must not have restored it"
    assert set(reasons) <= NO_STORE_REASONS
