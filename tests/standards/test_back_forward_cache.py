"""Every HTML page of the crawl, in Chromium: nothing left loading, nothing missing.

After the load event and a pause, no request the page made may still be in flight (a fetch
whose response is never read kept the meeting page loading for Lighthouse), and no request may
meet an error status (the 404 for /favicon.ico). The meeting page must be refused the
back/forward cache for one reason only: its own `Cache-Control: no-store` (signed-in pages).
"""

import pytest

from tests.conftest import PASSWORD
from tests.urlcrawl import html_pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Chromium's names for "the page is Cache-Control: no-store" (it restores such a page only when
# no cookie changed; the session cookie moves on every request, SESSION_SAVE_EVERY_REQUEST).
NO_STORE_REASONS = {
    "MainResourceHasCacheControlNoStore",
    "CacheControlNoStoreCookieModified",
    "CacheControlNoStoreHTTPOnlyCookieModified",
}
SETTLE_MS = 1500  # long after the seen.js request, which starts at the load event
TABS = 8


def watch_requests(page):
    """Requests still in flight, and answers with an error status, as the page makes them."""
    pending, failures = {}, []
    page.on("request", lambda request: pending.__setitem__(id(request), request.url))
    page.on("requestfinished", lambda request: pending.pop(id(request), None))

    def failed(request):
        pending.pop(id(request), None)
        failures.append(f"{request.url} failed: {request.failure}")

    page.on("requestfailed", failed)
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and failures.append(f"{response.url} answered {response.status}")
        ),
    )
    return pending, failures


def test_every_page_finishes_loading_with_no_request_in_flight_or_failing(
    page, live_server, sign_in, demo, roles
):
    page.set_default_timeout(20000)
    sign_in(page, "admin", PASSWORD)
    paths, _ = html_pages(page, live_server.url)
    # The pages settle side by side, TABS at a time (each watched on its own), so that the
    # pauses overlap; every page still has SETTLE_MS after its own load event.
    tabs = [page, *(page.context.new_page() for _ in range(TABS - 1))]
    watchers = [watch_requests(tab) for tab in tabs]
    problems, checked = [], []
    for start in range(0, len(paths), TABS):
        batch = list(zip(tabs, watchers, paths[start : start + TABS], strict=False))
        for tab, (pending, failures), (path, _name) in batch:
            pending.clear()
            failures.clear()
            tab.goto(f"{live_server.url}{path}", wait_until="load")
        batch[-1][0].wait_for_timeout(SETTLE_MS)  # the last page loaded: the others had longer
        for _tab, (pending, failures), (path, name) in batch:
            checked.append(name)
            if pending:
                problems.append(f"{path}: still in flight after load: {sorted(pending.values())}")
            if failures:
                problems.append(f"{path}: {failures}")

    print(f"checked {len(checked)} pages")
    assert problems == []
    assert "meetings:meeting_detail" in checked
    assert len(checked) >= 50


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
