"""Serve a built site on loopback and open it in Debian's Chromium: shared by the browser tests and benches."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# No sandbox: CI runs as root. No background networking: the browser itself must not phone home either.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
# Playwright's own --disable-features list (playwright-core's chromiumSwitches.ts, for the pinned Playwright).
# Chromium keeps only the last --disable-features it is given, and Playwright's comes first, so the one launch()
# adds repeats this list; tests/test_site_browser.py reads the launched browser's command line to check it.
PLAYWRIGHT_DISABLED_FEATURES = [
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion",
]
# Headless Chromium is the whole browser, and each browser context (each page visit has its own) gets a window
# whose address bar loads two WebUI pages, the omnibox's suggestion and AI-mode popups, in renderers of their
# own. No page of the site can see them; they cost about a fifth of Chromium's CPU in the page visits (measured
# 30 Nov 2026, 10 visits, two runs each: 40.5 and 38.8 CPU-s with them, 32.6 and 30.6 without).
OMNIBOX_POPUPS = ["WebUIOmniboxPopup", "WebUIOmniboxAimPopup"]
PLAYWRIGHT_ARGS = [*CHROMIUM_ARGS, "--disable-features=" + ",".join(PLAYWRIGHT_DISABLED_FEATURES + OMNIBOX_POPUPS)]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, no request log on stderr."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_directory(
    root: Path, handler_class: type[http.server.SimpleHTTPRequestHandler] = _QuietHandler
) -> Iterator[str]:
    """Serve root on 127.0.0.1 at a free port in a background thread; yield the base URL."""
    if not (root / "index.html").is_file():
        raise ValueError(f"{root} holds no built site (no index.html): build it with `mkdocs build --strict`")
    handler = functools.partial(handler_class, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def missing_browser_parts() -> str | None:
    """What is missing to drive Chromium (Playwright for Python or /usr/bin/chromium), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python"
    if not Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is None:
        return f"Chromium at {CHROMIUM}"
    return None


def launch(playwright):
    """Headless Debian Chromium through Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=PLAYWRIGHT_ARGS)
