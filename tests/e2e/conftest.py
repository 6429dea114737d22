"""Browser tests: Debian's chromium driven by Playwright, and screenshots kept as artifacts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


# .ci/run installs chromium and sets SCRM_REQUIRE_BROWSER, so there a missing browser fails, never skips.
def pytest_collection_modifyitems(items):
    skip = pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("SCRM_REQUIRE_BROWSER"),
        reason="Debian's chromium is not installed (apt-get install chromium)",
    )
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(skip)


class WatchedBrowser:
    """Chromium whose every page reports what the Content-Security-Policy refused (the browser logs each
    refusal to the console): a page that needs more than the policy allows, or an injection it stopped."""

    def __init__(self, browser):
        self._browser = browser
        self.csp_violations: list[str] = []

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def watch(self, page) -> None:
        def seen(message) -> None:
            if "Content Security Policy" in message.text:
                self.csp_violations.append(f"{page.url}: {message.text}")

        page.on("console", seen)

    async def new_context(self, **options):
        context = await self._browser.new_context(**options)
        context.on("page", self.watch)
        return context

    async def new_page(self, **options):
        page = await self._browser.new_page(**options)
        self.watch(page)
        return page


@pytest.fixture
async def browser():
    """Every browser test also proves the pages need nothing the Content-Security-Policy refuses."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        browser = WatchedBrowser(chromium)
        yield browser
        await browser.close()
    assert not browser.csp_violations, "\n".join(browser.csp_violations)


async def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
