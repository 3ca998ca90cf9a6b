"""One error tree for the core; serving/ maps it to HTTP in one place."""


class ClassifierError(Exception):
    """Base class for every error the domain core raises on purpose."""


class InvalidTicket(ClassifierError):  # noqa: N818 - domain names read better without "Error"
    """A ticket field is missing or has a value the core cannot use."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class UnknownLevel(ClassifierError):  # noqa: N818
    """A priority label does not name a configured level or one of its aliases."""


class ModelNotReady(ClassifierError):  # noqa: N818
    """No model is loaded, or the artifact failed its integrity check."""


class AliasNotSet(ModelNotReady):
    """The registry answered, and the model has no such alias: a setting to fix, not an outage."""


class ModelIntegrityError(ModelNotReady):
    """A model artifact's SHA-256 or metadata does not match its sidecar."""


class RuleConfigError(ClassifierError):
    """A rules file is invalid; the message names the file, rule id, field and allowed values."""
