"""Debian's Chromium driven by Selenium (chromium-driver), offline, for the html export's tests
and bench/html_bench.py.

`Browser.open(path)` loads a file with every network request blocked (CDP
`Network.setBlockedURLs`, on a machine whose network is closed anyway) and waits until the page
says it has drawn; `requests()` lists every URL the page asked for (from the performance log),
`console_errors()` every error the console saw.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def available() -> bool:
    return Path(CHROMIUM).exists() and Path(DRIVER).exists()


class Browser:
    """One headless Chromium with a fresh profile; close() ends it and removes the profile."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="lineage-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(DRIVER))
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd(
            "Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]}
        )

    def open(self, path: Path, timeout: float = 120) -> float:
        """Load `path` and wait for the page's `data-ready`; returns the seconds it took."""
        self.driver.get("about:blank")
        self.driver.get_log("performance")  # drop what the start page asked for
        self.driver.get_log("browser")
        self.seen: list[str] = []
        self.errors: list[str] = []
        start = time.perf_counter()
        self.driver.get(path.resolve().as_uri())
        WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
            lambda d: d.execute_script("return document.body.dataset.ready === 'true'")
        )
        return time.perf_counter() - start

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def requests(self) -> list[str]:
        """Every URL requested since `open` (the file itself included)."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                self.seen.append(message["params"]["request"]["url"])
        return list(self.seen)

    def console_errors(self) -> list[str]:
        """Every console error since `open`."""
        logs = self.driver.get_log("browser")
        self.errors += [e["message"] for e in logs if e["level"] == "SEVERE"]
        return list(self.errors)

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
