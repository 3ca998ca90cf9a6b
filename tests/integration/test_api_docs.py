"""/docs works on a network without internet: Swagger UI's files come from the service itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from serving.app import create_app
from tests.serving_fakes import FakeModel, make_runtime

EXPECTED_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=[])
    with TestClient(create_app(runtime=runtime, extensions=())) as client:
        yield client


def _referenced_urls(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)


def test_docs_lead_to_the_one_swagger_renderer(client: TestClient[Any]) -> None:
    docs = client.get("/docs", follow_redirects=False)
    assert docs.status_code in (301, 302, 307)
    assert docs.headers["location"] == "/schema/swagger"
    assert client.get("/schema/scalar").status_code == 404
    assert client.get("/schema/openapi.json").json()["info"]["title"] == "Ticket priority service"


def test_the_docs_page_references_only_this_service(client: TestClient[Any]) -> None:
    page = client.get("/schema/swagger")
    assert page.status_code == 200
    urls = _referenced_urls(page.text)
    assert len(urls) == 4, urls  # style sheet, icon, bundle, standalone preset
    for url in urls:
        assert url.startswith("/"), f"{url} is not on this service"
        assert not url.startswith("//"), f"{url} is not on this service"
    assert "http://" not in page.text
    assert "https://" not in page.text


def test_each_swagger_file_the_page_references_answers_with_its_type(
    client: TestClient[Any],
) -> None:
    for url in _referenced_urls(client.get("/schema/swagger").text):
        answer = client.get(url)
        assert answer.status_code == 200, url
        expected = EXPECTED_TYPES[Path(url).suffix]
        assert expected in answer.headers["content-type"], (url, answer.headers["content-type"])
        assert len(answer.content) > 500, url


def test_the_served_bundle_is_swagger_ui_5(client: TestClient[Any]) -> None:
    # Swagger UI 4 cannot render OpenAPI 3.1, the version Litestar writes.
    bundle = client.get("/docs/static/swagger-ui-bundle.js").text
    assert "SwaggerUIBundle" in bundle
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.\d+\.\d+"', bundle)
    assert version is not None, "no PACKAGE_VERSION in the bundle"
    assert version.group(1) == "5", version.group(0)
