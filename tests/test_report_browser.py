"""The report in a real browser: headless Chromium opens the index and one notebook page of the shared
toy-size report (:func:`conftest.quick_report`) from disk, as a reviewer would.

Checked on each page at a 1280 px wide window: every image loads (``naturalWidth > 0``), every link
to a file points at a file that exists, nothing runs off to the right (``scrollWidth`` at most the
window's width), and no request leaves the machine: every request is intercepted and any URL other
than ``file:`` (or an inline ``data:`` image) fails the test and is not sent.

Needs the Debian package ``chromium`` and the ``playwright`` package (its browser download is not
used: Playwright drives the system Chromium); skipped with a message when either is missing.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from conftest import QuickReport

from orchsim.report.params import notebook_names

WIDTH_PX = 1280
LOCAL_SCHEMES = ("file", "data")
"""``data:`` URLs are inline (nbconvert's images); nothing is fetched for them."""


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); the browser checks need it")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless system Chromium driven by Playwright, one per test module."""
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright; "
                                   "no `playwright install` needed: the system chromium is used)")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _site(report: QuickReport) -> Path:
    assert report.returncode == 0, f"report failed (exit {report.returncode}): {report.stderr[-2000:]}"
    return report.site


def _open(browser: Any, page_path: Path) -> tuple[Any, Any, list[str]]:
    """A page loaded from disk in a fresh context; returns it, its context and the requests refused."""
    context = browser.new_context(viewport={"width": WIDTH_PX, "height": 900}, java_script_enabled=True)
    refused: list[str] = []

    def note(url: str) -> bool:
        """Whether ``url`` stays on the machine; records it (once) when it does not."""
        local = urlsplit(url).scheme in LOCAL_SCHEMES
        if not local and url not in refused:
            refused.append(url)
        return local

    def route(r: Any) -> None:  # every request passes here first: only local ones go on
        if note(r.request.url):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    context.on("request", lambda req: note(req.url))  # and every request the page made is seen
    page = context.new_page()
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    return page, context, refused


def _check_page(page: Any, name: str, refused: list[str]) -> None:
    """The checks on one loaded page."""
    images = page.evaluate("Array.from(document.images, i => [i.currentSrc || i.src, i.complete, i.naturalWidth])")
    assert images, f"expected {name} to show images"
    broken = [src[:100] for src, complete, width in images if not (complete and width > 0)]
    assert not broken, f"expected every image on {name} to load, these did not: {broken}"

    links = page.evaluate("Array.from(document.querySelectorAll('a[href]'), a => a.href)")
    local = [urlsplit(u) for u in links if urlsplit(u).scheme == "file"]
    missing = sorted({unquote(u.path) for u in local if not Path(unquote(u.path)).exists()})
    assert local and not missing, f"expected every link on {name} to reach a file, these do not exist: {missing}"

    scroll_px, window_px = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_px <= window_px, f"expected nothing on {name} wider than the {window_px} px window, the page is {scroll_px} px wide"
    assert not refused, f"expected {name} to request nothing outside its folder, it asked for {refused}"


def test_index_in_browser(browser: Any, quick_report: QuickReport) -> None:
    site = _site(quick_report)
    page, context, refused = _open(browser, site / "index.html")
    try:
        _check_page(page, "index.html", refused)
        pages = page.evaluate("Array.from(document.querySelectorAll('a[href$=\".html\"]'), a => a.getAttribute('href'))")
        assert {f"{n}.html" for n in notebook_names()} <= set(pages), f"expected a link to every notebook page, got {pages}"
    finally:
        context.close()


def test_notebook_page_in_browser(browser: Any, quick_report: QuickReport) -> None:
    site = _site(quick_report)
    name = f"{notebook_names()[0]}.html"
    page, context, refused = _open(browser, site / name)
    try:
        _check_page(page, name, refused)
        back = page.locator("a[href='index.html']").first
        assert back.is_visible(), f"expected a visible link back to the index on {name}"
        box = back.bounding_box()
        assert box is not None and box["y"] < 100, f"expected the back link at the top of {name}, it is at {box}"
        back.click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/index.html"), f"expected the back link to open the index, got {page.url}"
        assert not refused, f"expected the index, opened from {name}, to request nothing outside, got {refused}"
    finally:
        context.close()


def test_the_checks_catch_a_bad_page(browser: Any, tmp_path: Path) -> None:
    """The harness itself: a remote script, a missing link and a too-wide block are each caught."""
    page_path = tmp_path / "bad.html"
    page_path.write_text('<!DOCTYPE html><html><body><script src="https://cdn.example.invalid/x.js"></script>'
                         '<a href="missing.html">gone</a><div style="width: 3000px">wide</div></body></html>')
    page, context, refused = _open(browser, page_path)
    try:
        assert refused == ["https://cdn.example.invalid/x.js"], f"expected the remote script intercepted, got {refused}"
        with pytest.raises(AssertionError, match="images"):
            _check_page(page, "bad.html", refused)
    finally:
        context.close()
    page_path.write_text(f'<!DOCTYPE html><html><body><img src="{_png_uri(tmp_path)}"><a href="missing.html">gone</a></body></html>')
    page, context, refused = _open(browser, page_path)
    try:
        with pytest.raises(AssertionError, match="missing.html"):
            _check_page(page, "bad.html", refused)
    finally:
        context.close()
    page_path.write_text(f'<!DOCTYPE html><html><body><img src="{_png_uri(tmp_path)}"><a href="dot.png">dot</a><div style="width: 3000px">wide</div></body></html>')
    page, context, refused = _open(browser, page_path)
    try:
        with pytest.raises(AssertionError, match="wider than the 1280 px window"):
            _check_page(page, "bad.html", refused)
    finally:
        context.close()


def _png_uri(folder: Path) -> str:
    """A 1x1 PNG written to ``folder``; its name (a link relative to a page there)."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00\x72\xb2")) + chunk(b"IEND", b"")
    (folder / "dot.png").write_bytes(png)
    return "dot.png"
