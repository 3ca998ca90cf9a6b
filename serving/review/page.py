"""The review page: sign-in, queue, ticket detail with review form, agreement dashboard.

Server-rendered Jinja with a little vanilla JavaScript for keyboard shortcuts; every form
carries a CSRF token bound to the signed session cookie. Not part of the OpenAPI schema.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, unquote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    ServiceUnavailableException,
)
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.exc import InterfaceError, OperationalError

from serving.auth import Keyring
from serving.review import charts
from serving.review.api import export_stream
from serving.review.context import ReviewContext, provide_review
from serving.review.forms import agent_from_form, page_error, saved_message, verdict_from_form
from serving.review.languages import language_choices
from serving.review.navigation import (
    QueuePage,
    filter_params,
    filters_from_query,
    query_string,
)
from serving.review.rendering import render, store_down
from serving.review.return_to import login_url, safe_return
from serving.review.session import (
    AGENT_COOKIE,
    COOKIE,
    LOGIN_COOKIE,
    PageSession,
    csrf_ok,
    csrf_token,
    decode,
    encode,
    key_fingerprint,
    new_session,
    signed_in_with,
)
from serving.review.time_zones import FIELD as ZONE_FIELD
from serving.review.time_zones import agent_zone
from serving.storage.records import (
    AlreadyReviewed,
    InvalidReview,
    PredictionDetail,
    PredictionNotFound,
    QueueFilters,
    ReviewError,
)

ReviewDep = NamedDependency[ReviewContext]

ID_PATTERN = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
QUEUE_WINDOW = 20_000  # prev/next reach this far into the queue (ids only)
# The page's forms are a few hundred bytes. Litestar parses forms synchronously on the event
# loop: at the API's 16 MiB limit one unauthenticated sign-in stalled the worker for seconds.
PAGE_BODY_BYTES = 64 * 1024
AGENT_COOKIE_SECONDS = 400 * 24 * 3600  # browsers cap a cookie's lifetime at 400 days
MAX_AGENT_FIELD = 1024  # what the sign-in form echoes back of a refused name


def _cookie(ctx: ReviewContext, key: str, value: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path="/review",
        httponly=True,
        samesite="strict",
        secure=ctx.settings.secure_cookies,
        max_age=max_age,
    )


async def current_session(
    request: Request[Any, Any, Any], ctx: ReviewContext
) -> PageSession | None:
    """The signed-in reviewer, if the cookie is valid, was not signed out, and the very key
    that signed in (same id and hash, not only the id) is still configured with the review
    scope."""
    session = decode(ctx.session_secret, request.cookies.get(COOKIE))
    if session is None:
        return None
    keyring: Keyring = request.app.state.keyring
    if keyring.required and not any(
        key.key_id == session.key_id
        and "review" in key.scopes
        and signed_in_with(ctx.session_secret, session, key.sha256)
        for key in keyring.keys
    ):
        return None
    if await ctx.store.session_revoked(session.nonce):
        return None
    return session


def _to_login(request: Request[Any, Any, Any] | None = None, *, unsaved: bool = False) -> Redirect:
    """The sign-in page; given the request, signing in returns to the page it asked for."""
    if request is None:
        return Redirect(path="/review/login", status_code=303)
    query = request.url.query
    target = f"{request.url.path}?{query}" if query else request.url.path
    return Redirect(path=login_url(target, unsaved=unsaved), status_code=303)


UNSAVED = (
    "Your session ended before your review was saved. Sign in again to go back to the ticket "
    "and save it."
)


class ReviewPage(Controller):
    """HTML pages under /review."""

    path = "/review"
    include_in_schema = False
    request_max_body_size = PAGE_BODY_BYTES
    dependencies = {"review": Provide(provide_review, sync_to_thread=False)}  # noqa: RUF012
    exception_handlers = {  # noqa: RUF012 - Litestar API
        ServiceUnavailableException: store_down,
        OperationalError: store_down,
        InterfaceError: store_down,
    }

    def _page(self, ctx: ReviewContext, session: PageSession, **context: Any) -> dict[str, Any]:
        scale = ctx.scale()
        labels = dict(ctx.settings.reasons)
        return {
            "signed_in": True,
            "agent": session.reviewer,
            "key_id": session.key_id,
            "csrf": csrf_token(ctx.session_secret, session.nonce),
            "levels": scale.levels,
            "level_index": lambda level: scale.levels.index(level) if level in scale.levels else 0,
            "reasons": ctx.settings.reasons,
            "reason_label": lambda code: labels.get(code, code),
            **context,
        }

    @get("/")
    async def index(self) -> Redirect:
        """Start at the queue."""
        return Redirect(path="/review/queue", status_code=303)

    def _login_form(
        self, ctx: ReviewContext, error: str | None, status: int, next_page: str | None,
        agent: str, *, agent_error: bool = False,
    ) -> Response[str]:  # fmt: skip
        nonce = new_session("login", 1).nonce
        return render(
            "login.html",
            status,
            cookies=[_cookie(ctx, LOGIN_COOKIE, nonce, 3600)],
            page="login",
            signed_in=False,
            error=error,
            next_page=safe_return(next_page),
            login_csrf=csrf_token(ctx.session_secret, f"login:{nonce}"),
            agent_name=agent[:MAX_AGENT_FIELD],
            agent_error=agent_error,
        )

    @get("/login")
    async def login_form(self, request: Request[Any, Any, Any], review: ReviewDep) -> Response[str]:
        """The sign-in form (`next`: the review page to return to; `unsaved`: a review was lost
        to an ended session)."""
        error = UNSAVED if request.query_params.get("unsaved") == "1" else None
        remembered = unquote(request.cookies.get(AGENT_COOKIE) or "")
        return self._login_form(review, error, 200, request.query_params.get("next"), remembered)

    @post("/login", status_code=303)
    async def login(self, request: Request[Any, Any, Any], review: ReviewDep) -> Response[Any]:
        """Check a review-scope key and start a session."""
        form = await request.form()
        nonce = request.cookies.get(LOGIN_COOKIE)
        next_page = safe_return(form.get("next"))
        typed = str(form.get("agent") or "")
        if not csrf_ok(review.session_secret, f"login:{nonce}", form.get("csrf")):
            expired = "The sign-in form expired; please try again."
            return self._login_form(review, expired, 403, next_page, typed)
        keyring: Keyring = request.app.state.keyring
        try:
            key = keyring.authorize(f"Bearer {form.get('key') or ''}", "review")
        except (NotAuthorizedException, PermissionDeniedException) as exc:
            status = 403 if isinstance(exc, PermissionDeniedException) else 401
            return self._login_form(review, str(exc.detail), status, next_page, typed)
        key_id = key.key_id if key else "reviewer"
        try:
            agent = agent_from_form(typed, key_id)
        except InvalidReview as exc:
            problem = f"Your name (field \u201cagent\u201d): {exc.problem}."
            return self._login_form(review, problem, 422, next_page, typed, agent_error=True)
        session = new_session(
            key_id,
            review.settings.session_hours,
            key_fingerprint(review.session_secret, key.sha256) if key else "",
            agent,
        )
        cookie = _cookie(
            review, COOKIE, encode(review.session_secret, session),
            review.settings.session_hours * 3600,
        )  # fmt: skip
        # The name outlives the session, so the next sign-in on this browser starts with it.
        remembered = _cookie(review, AGENT_COOKIE, quote(agent), AGENT_COOKIE_SECONDS)
        return Redirect(
            path=next_page,
            status_code=303,
            cookies=[cookie, remembered, _cookie(review, LOGIN_COOKIE, "", 0)],
        )

    @post("/logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any], review: ReviewDep) -> Redirect:
        """End the session in every worker (a copy of the cookie stops working too)."""
        session = await current_session(request, review)
        if session is None:  # nothing to end: the form is not even read
            return _to_login()
        form = await request.form()
        if csrf_ok(review.session_secret, session.nonce, form.get("csrf")):
            expires = datetime.fromtimestamp(session.expires, UTC)
            await review.store.revoke_session(session.nonce, expires)
            return Redirect(
                path="/review/login", status_code=303, cookies=[_cookie(review, COOKIE, "", 0)]
            )
        return _to_login()

    @get("/queue")
    async def queue(self, request: Request[Any, Any, Any], review: ReviewDep) -> Response[Any]:
        """Pending suggestions, most urgent SLA first (filtered by level, language, rule or
        model version in the query string), a page at a time (`offset`, `limit`)."""
        session = await current_session(request, review)
        if session is None:
            return _to_login(request)
        filters = filters_from_query(request.query_params)
        zone = agent_zone(request.query_params.get(ZONE_FIELD))
        await review.catch_up()
        asked = QueuePage.from_query(request.query_params)
        items = await review.store.queue(filters, limit=asked.limit, offset=asked.offset)
        pending = await review.store.pending_count(filters)
        paging = QueuePage(asked.offset, asked.limit, pending)
        filtered = bool(filter_params(filters))
        # "Nothing to review" for an empty filtered queue sent agents home with tickets waiting.
        unfiltered = await review.store.pending_count() if filtered and not pending else pending
        languages = language_choices(await review.store.pending_languages(), filters.language)
        return render(
            "queue.html",
            **self._page(review, session, page="queue", items=items, pending=pending,
                         filters=filters, query=query_string(filters), paging=paging,
                         filtered=filtered, unfiltered=unfiltered, languages=languages,
                         message=saved_message(request), zone=zone,
                         error=zone.problem and f"{zone.problem} Dates are read as UTC days."),
        )  # fmt: skip

    async def _neighbours(
        self, ctx: ReviewContext, prediction_id: str, filters: QueueFilters
    ) -> tuple[str | None, ...]:
        ids = await ctx.store.queue_ids(filters, limit=QUEUE_WINDOW)
        if prediction_id not in ids:
            return (None, ids[0] if ids else None)
        at = ids.index(prediction_id)
        return (ids[at - 1] if at > 0 else None, ids[at + 1] if at + 1 < len(ids) else None)

    async def _detail(
        self, ctx: ReviewContext, session: PageSession, detail: PredictionDetail,
        filters: QueueFilters, *, status: int = 200, error: str | None = None,
        message: str | None = None, form: dict[str, str] | None = None,
    ) -> Response[str]:  # fmt: skip
        prev_id, next_id = await self._neighbours(ctx, detail.item.prediction_id, filters)
        request_data = dict(detail.request)
        customer = request_data.get("customer") or {}
        return render(
            "detail.html",
            status,
            **self._page(ctx, session, page="detail", d=detail, prev_id=prev_id,
                         next_id=next_id, error=error, message=message, form=form or {},
                         request=request_data, customer=customer,
                         query=query_string(filters)),
        )  # fmt: skip

    def _not_found(self, ctx: ReviewContext, session: PageSession) -> Response[str]:
        return render(
            "message.html",
            404,
            **self._page(ctx, session, page="message", heading="Ticket not found",
                         text="No prediction has this id; it may come from another database.",
                         link="/review/queue", link_text="Back to the queue"),
        )  # fmt: skip

    @get("/p/{prediction_id:str}")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        review: ReviewDep,
        prediction_id: FromPath[str],
    ) -> Response[Any]:
        """One ticket with its suggestion, reasons and the review form."""
        session = await current_session(request, review)
        if session is None:
            return _to_login(request)
        found = await review.detail(prediction_id)
        if found is None:
            return self._not_found(review, session)
        filters = filters_from_query(request.query_params)
        return await self._detail(review, session, found, filters, message=saved_message(request))

    @post("/p/{prediction_id:str}", status_code=303)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        review: ReviewDep,
        prediction_id: FromPath[str],
    ) -> Response[Any]:
        """Store the review, then go to the next ticket in the (filtered) queue."""
        session = await current_session(request, review)
        if session is None:
            return _to_login(request, unsaved=True)
        form = {key: str(value) for key, value in (await request.form()).items()}
        found = await review.detail(prediction_id)
        if found is None:
            return self._not_found(review, session)
        filters = filters_from_query(request.query_params)
        if not csrf_ok(review.session_secret, session.nonce, form.get("csrf")):
            error = "The form expired (security check failed); reload the page and try again."
            return await self._detail(
                review, session, found, filters, status=403, error=error, form=form
            )
        try:
            result = await review.review(prediction_id, verdict_from_form(form, session))
        except ReviewError as exc:
            status = 409 if isinstance(exc, AlreadyReviewed) else 422
            status = 404 if isinstance(exc, PredictionNotFound) else status
            found = await review.detail(prediction_id) or found  # with a review stored meanwhile
            error = page_error(exc, review.settings.reasons)
            return await self._detail(
                review, session, found, filters, status=status, error=error, form=form
            )
        next_id = form.get("next") or ""
        target = f"/review/p/{next_id}" if ID_PATTERN.match(next_id) else "/review/queue"
        saved = {"saved": result.action, "saved_level": result.final_level}
        return Redirect(
            path=target, status_code=303, query_params={**filter_params(filters), **saved}
        )

    @get("/export")
    async def export(self, request: Request[Any, Any, Any], review: ReviewDep) -> Response[Any]:
        """Reviewed tickets as a CSV or JSONL download (`since`: a date, empty for all; a day in
        the agent's time zone `tz`, UTC without one)."""
        session = await current_session(request, review)
        if session is None:
            return _to_login(request)
        since_text = (request.query_params.get("since") or "").strip()
        fmt = request.query_params.get("format") or "csv"
        zone = agent_zone(request.query_params.get(ZONE_FIELD))
        try:
            since = date.fromisoformat(since_text) if since_text else None
        except ValueError:
            since = None
            problem = f"\u201c{since_text[:40]}\u201d is not a date; use one like 2026-11-01."
        else:
            problem = "" if fmt in ("csv", "jsonl") else "Choose CSV or JSON lines."
        problem = problem or zone.problem or ""
        if problem:
            return render(
                "message.html", 422,
                **self._page(review, session, page="message", heading="Cannot export",
                             text=problem, link="/review/dashboard#export-h",
                             link_text="Back to the export form"),
            )  # fmt: skip
        start = zone.day_start(since) if since else None
        return await export_stream(review, start, "jsonl" if fmt == "jsonl" else "csv")

    @get("/dashboard")
    async def dashboard(self, request: Request[Any, Any, Any], review: ReviewDep) -> Response[Any]:
        """Agreement charts: over time per model version (days in the agent's time zone `tz`,
        UTC without one), override matrix, per language."""
        session = await current_session(request, review)
        if session is None:
            return _to_login(request)
        zone = agent_zone(request.query_params.get(ZONE_FIELD))
        stats = await review.agreement(zone.iana)
        figures = {
            "time": charts.line_chart(
                "chart-time",
                f"Acceptance rate per day ({zone.name}) and model version",
                stats.over_time,
                zone=zone.name,
            ),
            "matrix": charts.matrix_chart(
                "chart-matrix", "Suggested vs final level", stats.override_matrix, stats.levels
            ),
            "language": charts.bar_chart(
                "chart-language", "Acceptance rate per language", stats.per_language
            ),
            "agent": charts.bar_chart(
                "chart-agent", "Acceptance rate per reviewer", stats.per_agent
            ),
        }
        return render(
            "dashboard.html",
            **self._page(review, session, page="dashboard", s=stats, charts=figures,
                         pending=await review.store.pending_count(), zone=zone,
                         error=zone.problem and f"{zone.problem} Days are UTC days."),
        )  # fmt: skip
