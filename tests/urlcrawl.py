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
