"""GET /favicon.ico: the review page's icon, for the browsers that ask for it on any page.

A browser showing /docs, /health/ready or a JSON answer asks for /favicon.ico on its own; a
404 there is a log line and a metrics count per page view. The icon is an SVG (served as
such: browsers go by the Content-Type, not the name) and changes only with a release, so it
may be cached for a day.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.datastructures import CacheControlHeader

ICON = Path(__file__).resolve().parents[1] / "review" / "static" / "favicon.svg"
CACHE = CacheControlHeader(public=True, max_age=86_400)


@cache
def _icon() -> bytes | None:
    # None when a build leaves the review page (and its static files) out.
    return ICON.read_bytes() if ICON.is_file() else None


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False, cache_control=CACHE)
def favicon() -> Response[bytes]:
    """The site icon (204 No Content when the build has none)."""
    icon = _icon()
    if icon is None:
        return Response(b"", status_code=204)
    return Response(icon, media_type="image/svg+xml")
