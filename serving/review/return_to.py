"""Where sign-in sends a reviewer back to: the page they were on when their session ended.

Only the review page's own pages are accepted (the queue, the dashboard, a ticket, with their
query string); anything else, such as another site or the sign-out route, means the queue.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

QUEUE = "/review/queue"
_PAGE = re.compile(r"^/review/(queue|dashboard|export|p/[0-9A-Za-z_-]{1,64})$")
_MAX_CHARS = 2048


def safe_return(target: str | None) -> str:
    """`target` when it is a review page on this site (path and query), else the queue."""
    if not target or len(target) > _MAX_CHARS or "\\" in target:
        return QUEUE
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not _PAGE.match(parts.path):
        return QUEUE
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def login_url(target: str, *, unsaved: bool = False) -> str:
    """The sign-in page that returns to `target`; `unsaved` says a review was not saved."""
    params = {"next": safe_return(target)}
    if unsaved:
        params["unsaved"] = "1"
    return f"/review/login?{urlencode(params)}"
