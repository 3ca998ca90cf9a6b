"""Serving: the Litestar app, its CLI, model loading, persistence and the review page."""
