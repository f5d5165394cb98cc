"""The call page in a real headless Chromium, served by the real token service, with a fake microphone.

LiveKit is not running: LIVEKIT_URL points at a local port that refuses connections, so a working page gets a token
and then says, in French, that the call server cannot be reached. A page whose button does nothing fails here.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tests.conftest import unavailable
from token_service.server import token_service_running
from token_service.settings import TokenServiceSettings

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
SERVER_UNREACHABLE = "Impossible de joindre le serveur d’appel"
MICROPHONE_DENIED = "Vous avez refusé l’accès au microphone"


@pytest.fixture(scope="module")
def refused_port() -> Iterator[int]:
    """A local TCP port bound but never listening: every connection to it is refused, for as long as the test runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def page_url(refused_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real token service on a free port, in a thread of its own, handing out tokens for the dead LiveKit URL."""
    settings = TokenServiceSettings(
        livekit_url=f"ws://127.0.0.1:{refused_port}",
        livekit_api_secret=SecretStr("a-test-secret-long-enough-for-hs256-signing"),
        data_dir=tmp_path_factory.mktemp("web"),
    )
    ready: list[str] = []
    started, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        async with token_service_running(settings, host="127.0.0.1", port=0) as url:
            ready.append(url)
            started.set()
            await asyncio.to_thread(stop.wait)

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(30), "the token service did not start"
    yield ready[0] + "/"
    stop.set()
    thread.join(15)


def browser(*, grant_microphone: bool = True) -> Any:
    """Debian's Chromium through Debian's ChromeDriver: headless, no network of its own, a fake microphone."""
    if not (shutil.which("chromium") or Path(CHROMIUM).exists()) or not Path(CHROMEDRIVER).exists():
        unavailable("Chromium or ChromeDriver missing (bash .ci/test-tools installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--use-fake-device-for-media-stream",
        f"--user-data-dir={tempfile.mkdtemp(prefix='camille-chromium-')}",
        "--window-size=1280,900",
        "--lang=fr-FR",
    ):
        options.add_argument(flag)
    if grant_microphone:
        options.add_argument("--use-fake-ui-for-media-stream")  # answers the permission prompt with "allow"
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


def token_responses(driver: Any) -> list[int]:
    """HTTP statuses of the page's POST /api/token requests, read from Chromium's own network log."""
    statuses = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            if response["url"].endswith("/api/token"):
                statuses.append(response["status"])
    return statuses


def wait_for_text(driver: Any, element_id: str, text: str, timeout_s: float = 30) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(d: Any) -> str | bool:
        element = d.find_element(By.ID, element_id)
        return element.text if element.is_displayed() and text in element.text else False

    try:
        found: str = WebDriverWait(driver, timeout_s).until(shown)
    except Exception as exc:
        status = driver.find_element(By.ID, "status").text
        raise AssertionError(f"{text!r} never shown in #{element_id}; status was {status!r}") from exc
    return found


def screenshot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def call(driver: Any, url: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url)
    button = driver.find_element(By.ID, "call")
    assert button.is_displayed() and button.text == "Appeler"
    button.click()


@pytest.mark.timeout(180)
def test_call_button_gets_a_token_then_says_the_server_cannot_be_reached(page_url: str, refused_port: int) -> None:
    """Pressing « Appeler » fetches a token (200), tries the LiveKit URL it names, and then shows the French message
    that the server is unreachable, on a phone-sized and on a desktop viewport."""
    driver = browser()
    try:
        for name, metrics in (("phone", PHONE), ("desktop", None)):
            if metrics:
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            else:
                driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            call(driver, page_url)
            message = wait_for_text(driver, "error", SERVER_UNREACHABLE)
            assert token_responses(driver) == [200], name
            console = " ".join(entry["message"] for entry in driver.get_log("browser"))
            assert f"ws://127.0.0.1:{refused_port}/rtc" in console, name  # it dialled the LiveKit URL of the token
            assert "réessayez" in message
            from selenium.webdriver.common.by import By

            assert driver.find_element(By.ID, "call").is_displayed()  # the caller can try again
            assert driver.execute_script("return document.documentElement.lang") == "fr"
            screenshot(driver, f"server-unreachable-{name}")
    finally:
        driver.quit()


@pytest.mark.timeout(120)
def test_a_refused_microphone_gets_its_own_french_message(page_url: str) -> None:
    """With the microphone permission denied, the page says so in French and asks for no token."""
    driver = browser(grant_microphone=False)
    try:
        origin = page_url.rstrip("/")
        driver.execute_cdp_cmd(
            "Browser.setPermission",
            {"permission": {"name": "microphone"}, "setting": "denied", "origin": origin},
        )
        call(driver, page_url)
        wait_for_text(driver, "error", MICROPHONE_DENIED)
        assert token_responses(driver) == []
        screenshot(driver, "microphone-denied")
    finally:
        driver.quit()
