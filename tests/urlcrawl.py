"""Every URL pattern of the project, with sample arguments, for crawl-style tests."""

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_VALUES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name, entry


def project_urls(exclude_admin=True):
    """Yield (path, url name) for every pattern, with converters replaced by sample values."""
    import re

    for route, name, _ in _walk(get_resolver().url_patterns):
        if exclude_admin and route.startswith("admin/"):
            continue
        if route.startswith("^") or "(?P" in route:
            continue
        path = re.sub(
            r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES.get(m.group(1) or "str", "x"), route
        )
        yield "/" + path, name


def html_pages(page, base_url):
    """The URL patterns that answer the signed-in Playwright `page` with an HTML page: returns
    ([(path, name)], [f"{name} {status}"] of the others). Sample ids are the demo data's first
    objects; a financial year is the newest. Logging out is never asked for (a GET would sign
    the crawl itself out)."""
    from finance.models import FinancialYear

    year = FinancialYear.objects.order_by("start_year").last().start_year
    pages, skipped = [], []
    for path, name in project_urls():
        if name == "logout":
            continue
        path = path.replace("/finance/years/1/", f"/finance/years/{year}/")
        response = page.request.get(f"{base_url}{path}", max_redirects=0)
        if response.status != 200 or "text/html" not in response.headers["content-type"]:
            skipped.append(f"{name} {response.status}")
            continue
        pages.append((path, name))
    return pages, skipped


# How long after its load event a page is given to finish what it started (the seen.js request
# starts at the load event) before a request still in flight is a problem.
SETTLE_MS = 1500


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


# Never followed by a crawl: a GET that signs the crawl out, and the Django admin.
NOT_FOLLOWED = ("/accounts/logout/", "/admin/")


def link_crawl(client, seeds, per_name=15, limit=600):
    """Follow same-site links from `seeds` with a signed-in test client.

    Returns {path: html} for every HTML page (200) reached: the sample URLs of every pattern
    plus the pages they link to (every paper, report, meeting …), at most `per_name` pages per
    URL name (query strings make many pages of one view) and `limit` in all."""
    import re
    from html import unescape
    from urllib.parse import urldefrag, urlsplit

    from django.urls import Resolver404, resolve

    pages, seen, per = {}, set(), {}
    queue = list(seeds)
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if path in seen or path.startswith(NOT_FOLLOWED):
            continue
        seen.add(path)
        try:
            name = resolve(urlsplit(path).path).view_name
        except Resolver404:
            continue
        if per.get(name, 0) >= per_name:
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        per[name] = per.get(name, 0) + 1
        html = response.content.decode()
        pages[path] = html
        for href in re.findall(r'<a\s[^>]*?href="([^"]+)"', html):
            href = urldefrag(unescape(href)).url
            if href.startswith("/") and not href.startswith("//"):
                queue.append(href)
    return pages
