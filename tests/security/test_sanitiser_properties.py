"""Property tests of wkp.sanitise.clean_html: allow-list only, idempotent, nesting bounded.

CI runs WKP_FUZZ_EXAMPLES (default 300) cases per property; tests/benchmarks/security_fuzz.py
runs 5,000 or more.
"""

import os
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wkp.sanitise import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    GENERIC_ATTRIBUTES,
    MAX_DEPTH,
    URL_SCHEMES,
    clean_html,
)

EXAMPLES = int(os.environ.get("WKP_FUZZ_EXAMPLES", "300"))
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("WKP_FUZZ_RANDOM") != "1",
)

TAGS = sorted(ALLOWED_TAGS) + [
    "script", "style", "img", "svg", "iframe", "object", "embed", "div", "span", "form",
    "input", "math", "base", "link", "meta", "textarea", "noscript", "template", "xmp", "h1",
    "video", "source", "title", "plaintext", "select", "option", "body", "html", "SCRIPT",
]  # fmt: skip
ATTRIBUTES = [
    "href", "title", "src", "onclick", "onload", "onerror", "style", "class", "id", "scope",
    "colspan", "rowspan", "start", "rel", "target", "formaction", "xlink:href", "srcdoc",
    "data", "action", "background", "ONCLICK", "on\x00load", "lang",
]  # fmt: skip
VALUES = st.sampled_from(
    [
        "javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:x", "jav&#x61;script:x",
        "&#106;avascript:x", "vbscript:x", "data:text/html,<script>x</script>", "http://ok.org/",
        "https://ok.org/a?b=1&c=2", "mailto:a@b.org", "//evil.example/", "/relative", "#top",
        "expression(alert(1))", "url(javascript:x)", "2", "col", "\" onmouseover=\"x",
        "' onfocus='x", "file:///etc/passwd", "ftp://x", "  ", "",
    ]
) | st.text(max_size=20)  # fmt: skip
TEXT = st.sampled_from(
    [
        "<", ">", "&", "&amp;", "&lt;script&gt;", '"', "'", "<!--", "-->", "<![CDATA[x]]>",
        "{{ x }}", "{% now 'Y' %}", "\u202e", "\x00", "<script>alert(1)</script>",
        "</p>", "<p", "&#0;", "&#x110000;", "&bogus;", "\ufeff", "Paper A",
    ]
) | st.text(max_size=30)  # fmt: skip


def element(children):
    return st.builds(
        lambda tag, attrs, inner, close: (
            f"<{tag}"
            + "".join(f' {name}="{value}"' for name, value in attrs)
            + ">"
            + "".join(inner)
            + (f"</{tag}>" if close else "")
        ),
        st.sampled_from(TAGS),
        st.lists(st.tuples(st.sampled_from(ATTRIBUTES), VALUES), max_size=3),
        st.lists(children, max_size=4),
        st.booleans(),
    )


HTML = st.recursive(TEXT, lambda children: element(children) | children, max_leaves=60)
DOCUMENTS = st.lists(HTML, max_size=6).map("".join) | st.text(max_size=200)
DEEP = st.builds(
    lambda tags, depth: "".join(f"<{tags[i % len(tags)]}>" for i in range(depth)) + "deep",
    st.lists(st.sampled_from(["p", "blockquote", "ul", "li", "b", "em", "div", "table"]),
             min_size=1, max_size=4),
    st.integers(min_value=1, max_value=600),
)  # fmt: skip


class Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.depth = self.max_depth = 0

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag != "br":
            self.depth += 1
            self.max_depth = max(self.max_depth, self.depth)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        self.depth = max(0, self.depth - 1)


def problems(cleaned):
    collector = Collector()
    collector.feed(cleaned)
    collector.close()
    found = []
    for tag, attrs in collector.elements:
        if tag not in ALLOWED_TAGS:
            found.append(f"tag {tag}")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | GENERIC_ATTRIBUTES
        if tag == "a":
            allowed = allowed | {"rel"}
        for name, value in attrs:
            if name not in allowed:
                found.append(f"attribute {name} on {tag}")
            if name == "href" and value:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in URL_SCHEMES:
                    found.append(f"scheme {scheme}")
    if collector.max_depth > MAX_DEPTH:
        found.append(f"depth {collector.max_depth}")
    return found


@PROFILE
@given(DOCUMENTS)
def test_only_allowed_tags_attributes_and_schemes_survive(document):
    assert problems(clean_html(document)) == []


@PROFILE
@given(DOCUMENTS)
def test_cleaning_is_idempotent(document):
    once = clean_html(document)
    assert clean_html(once) == once


@PROFILE
@given(DEEP)
def test_nesting_depth_is_bounded(document):
    cleaned = clean_html(document)
    assert problems(cleaned) == []
    assert "deep" in cleaned


def test_known_attacks_are_removed():
    attacks = [
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<img src=x onerror="alert(1)">',
        "<svg onload=alert(1)>",
        '<p style="width: expression(alert(1))">x</p>',
        "<scr<script>ipt>alert(1)</script>",
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    ]
    for attack in attacks:
        cleaned = clean_html(attack)
        assert problems(cleaned) == [], (attack, cleaned)
        assert "alert(1)" not in cleaned or "<" not in cleaned.split("alert(1)")[0][-1:], cleaned


def test_regressions_found_by_the_long_run():
    for document in ["<C>\ufeff\ufeff", "\ufeff\ufeff<p>\ufeffx</p>"]:
        once = clean_html(document)
        assert clean_html(once) == once
        assert problems(once) == []
