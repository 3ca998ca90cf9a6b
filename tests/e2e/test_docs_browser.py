"""/docs renders every operation in a real browser that can reach no host but the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.live_server import live_server, service_env
from tests.e2e.review_live import CHROMIUM_ARGS, ensure_chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(240)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "docs"


def test_swagger_ui_renders_the_operations_with_other_hosts_blocked(tmp_path: Path) -> None:
    chromium = ensure_chromium()
    from playwright.sync_api import Route, expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env, _headers = service_env(tmp_path, f"sqlite:///{tmp_path / 'mlflow.db'}")
    with live_server(env, tmp_path) as server:
        schema = httpx.get(f"{server.base_url}/schema/openapi.json").json()
        operations = [
            operation["operationId"]
            for path in schema["paths"].values()
            for operation in path.values()
        ]
        service_host = urlsplit(server.base_url).netloc
        blocked: list[str] = []

        def only_the_service(route: Route) -> None:
            url = route.request.url
            if urlsplit(url).netloc == service_host or url.startswith("data:"):
                route.continue_()
            else:
                blocked.append(url)
                route.abort("internetdisconnected")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", only_the_service)
            page = context.new_page()
            page.set_default_timeout(30_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            page.goto(f"{server.base_url}/docs")
            expect(page.locator(".opblock")).to_have_count(len(operations))
            expect(page.locator(".info .title")).to_contain_text("Ticket priority service")
            version: Any = page.evaluate("window.versions && window.versions.swaggerUI.version")
            page.screenshot(path=str(ARTIFACTS / "swagger.png"), full_page=True)
            browser.close()

    assert blocked == [], f"the docs page tried other hosts: {blocked}"
    assert errors == []
    assert str(version).startswith("5."), version
    assert len(operations) >= 10
