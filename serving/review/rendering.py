"""Rendering the review page: Jinja templates with the security headers, 404 page, static files."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException, NotFoundException
from litestar.router import Router
from litestar.static_files import create_static_files_router
from markupsafe import Markup

from classifier.plain_text import plain_text
from serving.errors import exception_handlers
from serving.storage.extract import parse_time

HERE = Path(__file__).resolve().parent
log = structlog.get_logger("serving.review")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def pct(value: float | None) -> str:
    """A rate as a whole percentage ("–" when there is none)."""
    return "–" if value is None else f"{value * 100:.0f}%"


def when(value: datetime | str | None) -> str:
    """A UTC time for people: `2026-03-02 13:00 UTC`."""
    moment = parse_time(value)
    return "–" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


# Tags that end a line or paragraph in an HTML mail body; the rest go through plain_text.
_LINE_END = re.compile(r"<(?:br|/p|/div|/li|/tr|/h[1-6]|/blockquote)\b[^<>]*+>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def readable(body: str) -> str:
    """A ticket body as the customer's mail showed it: an HTML body (Freshdesk's
    `description`, Zendesk's HTML comments) without its markup, one line per line or paragraph;
    plain text as sent. The page escapes the result like any text."""
    if not _LINE_END.search(body) and plain_text(body) == body:
        return body
    lines = plain_text(_LINE_END.sub("\n", body))
    return _BLANK_LINES.sub("\n", "\n".join(line.strip() for line in lines.split("\n"))).strip()


def local_time(value: datetime | str | None) -> Markup:
    """A UTC time as `<time>`: review.js shows it in the browser's time zone (UTC kept in the
    tooltip); without JavaScript it reads as `when(value)`."""
    moment = parse_time(value)
    if moment is None:
        return Markup("–")
    return Markup('<time datetime="{}" data-utc>{}</time>').format(
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"), when(moment)
    )


def render(template: str, status: int = 200, cookies: list[Cookie] | None = None,
           **context: Any) -> Response[str]:  # fmt: skip
    """Render a page template with the security headers."""
    html = _env.get_template(template).render(
        pct=pct, when=when, local_time=local_time, readable=readable, **context
    )
    return Response(
        content=html,
        status_code=status,
        media_type=MediaType.HTML,
        headers=HEADERS,
        cookies=cookies or [],
    )


def not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    """404 for the whole app: under /review the page's not-found page, elsewhere the API's JSON.

    Routing answers unknown paths before any controller runs, so this is an app-level handler.
    """
    if request.url.path != "/review" and not request.url.path.startswith("/review/"):
        return exception_handlers()[HTTPException](request, exc)
    return render(
        "message.html", 404, page="message", signed_in=False, heading="Page not found",
        text="There is no review page at this address.", link="/review/queue",
        link_text="Back to the queue",
    )  # fmt: skip


def store_down(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """503 for review pages while the review store is unreachable: a page in the agent's
    words (and a lost form said so), not the API's JSON. Only the error's type is logged."""
    log.error("review_store_error", path=request.url.path, error_type=type(exc).__name__)
    lost = " Your review was not saved." if request.method == "POST" else ""
    response = render(
        "message.html", 503, page="message", signed_in=False,
        heading="Reviews are unavailable for a moment",
        text=f"The review store cannot be reached.{lost} New tickets still get their priority "
        "and wait for review; try again in a minute.",
        link=request.url.path if request.method == "GET" else "/review/queue",
        link_text="Try again",
    )  # fmt: skip
    response.headers["Retry-After"] = "30"
    return response


def static_router() -> Router:
    """Serves review.js, review.css and the page icon under /review/static (no CDN, no build
    step)."""
    return create_static_files_router(
        path="/review/static", directories=[HERE / "static"], include_in_schema=False
    )
