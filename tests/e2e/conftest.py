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


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        await browser.close()


async def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
