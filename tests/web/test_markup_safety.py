"""Data never becomes markup, by construction: what every template and script of ours may not do.

Templates: no `|safe` (JSON for scripts goes through `|tojson` in <script type="application/json">), no
inline script, no inline event handler, no inline style (the Content-Security-Policy would refuse them).
Our JavaScript builds no HTML from strings, and every chart draws its tooltips as text.
The browser test tests/e2e/test_hostile_names_in_browser.py shows the same with hostile names on the pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from sidebar_web.render import STATIC, TEMPLATES

# The emulator's pages are served by the emulator, not by this server (and not under its policy).
OURS = [p for p in TEMPLATES.rglob("*.html") if p.parent.name != "emulator"]
SCRIPTS = [p for p in STATIC.rglob("*") if p.suffix in (".js", ".mjs") and "vendor" not in p.parts]


def _offending(pattern: str, files: list[Path]) -> list[str]:
    found = []
    for path in files:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{path.name}:{n}: {line.strip()}")
    return found


def test_the_checks_see_every_template_and_script():
    assert len(OURS) > 30 and {p.name for p in SCRIPTS} >= {"radar_analytics.js", "radar.js", "entry.js"}


def test_no_template_marks_anything_safe():
    assert _offending(r"\|\s*safe\b", OURS) == []


def test_templates_hold_no_inline_script_event_handler_or_style():
    inline_script = r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
    assert _offending(inline_script, OURS) == []
    assert _offending(r"\s(on[a-z]+|style)\s*=", OURS) == []
    assert _offending(r"<style\b", OURS) == []
    assert _offending(r"javascript:", OURS) == []


def test_our_scripts_build_no_html_from_strings():
    assert (
        _offending(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function", SCRIPTS)
        == []
    )


def test_every_chart_draws_its_tooltip_as_text():
    charts = (STATIC / "radar_analytics.js").read_text()
    assert charts.count("echarts.init(") == 1  # the one chart() helper
    assert 'renderMode: "richText"' in charts
    assert _offending(r"echarts\.init\(", [p for p in SCRIPTS if p.name != "radar_analytics.js"]) == []
