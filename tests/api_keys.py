"""The API keys of the in-process integration tests, and their Authorization headers.

One key per scope set (`tests.serving_fakes.keys`): key ids "p" (predict), "r" (review; a whole
helpdesk team may sign in to the review page with it) and "a" (predict + admin). Pass `ENTRIES`
to `make_runtime(keys=...)`.
"""

from __future__ import annotations

import re

from tests.serving_fakes import keys

KEYS = keys()
ENTRIES = [entry for _, entry in KEYS.values()]
PREDICT = {"Authorization": f"Bearer {KEYS['predict'][0]}"}
REVIEW = {"Authorization": f"Bearer {KEYS['review'][0]}"}
ADMIN = {"Authorization": f"Bearer {KEYS['admin'][0]}"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')  # the review page forms' CSRF token
