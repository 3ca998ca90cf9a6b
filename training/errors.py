"""Errors of the training side that the CLI turns into a one-line message."""


class DataError(ValueError):
    """The export cannot be used as a whole; the message says which column/level and the fix."""
