"""/favicon.ico, which browsers ask for on every page (/docs, /health...), is the review page's
icon with caching headers, with or without the review page installed; never a 404."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

import serving.routes.favicon as favicon_route
from serving.app import create_app
from tests.serving_fakes import FakeModel, make_runtime

REVIEW_ICON = Path(favicon_route.__file__).parents[1] / "review" / "static" / "favicon.svg"


@pytest.mark.parametrize("extensions", [(), None])  # the bare service, and with the review page
def test_favicon_ico_is_the_review_icon_cached_for_a_day(
    tmp_path: Path, extensions: tuple[str, ...] | None
) -> None:
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=[])
    with TestClient(create_app(runtime=runtime, extensions=extensions)) as client:
        icon = client.get("/favicon.ico")
        assert icon.status_code == 200
        assert icon.content == REVIEW_ICON.read_bytes()
        assert icon.content.startswith(b"<svg")
        assert icon.headers["content-type"].startswith("image/svg+xml")
        assert icon.headers["cache-control"] == "max-age=86400, public"
        assert icon.headers["x-request-id"]
        # Not an API endpoint: the OpenAPI schema does not list it.
        assert "/favicon.ico" not in client.get("/schema/openapi.json").json()["paths"]


def test_favicon_ico_is_204_when_the_build_has_no_icon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(favicon_route, "ICON", tmp_path / "missing.svg")
    favicon_route._icon.cache_clear()
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=[])
    try:
        with TestClient(create_app(runtime=runtime, extensions=())) as client:
            icon = client.get("/favicon.ico")
            assert (icon.status_code, icon.content) == (204, b"")
            assert icon.headers["cache-control"] == "max-age=86400, public"
    finally:
        favicon_route._icon.cache_clear()
