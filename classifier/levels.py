"""Ordered priority levels with case-insensitive aliases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from classifier.errors import UnknownLevel

DEFAULT_LEVELS: tuple[str, ...] = ("low", "medium", "high", "urgent")
MIN_LEVELS, MAX_LEVELS = 3, 5
"""How many levels a priority scale may have."""

# Common helpdesk spellings, mapped onto the default four-level scale.
DEFAULT_ALIASES: Mapping[str, str] = {
    "p4": "low", "p3": "medium", "p2": "high", "p1": "urgent",
    "minor": "low", "normal": "medium", "major": "high", "critical": "urgent",
    "lav": "low", "mellem": "medium", "høj": "high", "akut": "urgent",
    "niedrig": "low", "mittel": "medium", "hoch": "high", "dringend": "urgent",
    "matala": "low", "keskitaso": "medium", "korkea": "high", "kiireellinen": "urgent",
    "laag": "low", "gemiddeld": "medium", "hoog": "high", "spoed": "urgent",
    "nizka": "low", "srednja": "medium", "visoka": "high", "nujno": "urgent",
}  # fmt: skip


def _norm(label: str) -> str:
    return " ".join(label.strip().lower().split())


@dataclass(frozen=True)
class PriorityScale:
    """Three to five ordered levels, lowest urgency first.

    Attributes:
        levels: level names in ascending urgency, e.g. ("low", "medium", "high", "urgent").
        aliases: extra spellings (any case/whitespace) mapped to a level name.
        default: the level used when there is neither a model nor a matching rule.
    """

    levels: tuple[str, ...] = DEFAULT_LEVELS
    aliases: Mapping[str, str] = field(default_factory=dict)
    default: str = "medium"

    def __post_init__(self) -> None:
        if not MIN_LEVELS <= len(self.levels) <= MAX_LEVELS:
            raise UnknownLevel(
                f"levels: a scale needs 3 to 5 levels, got {len(self.levels)}: {list(self.levels)}"
            )
        if len(set(map(_norm, self.levels))) != len(self.levels):
            raise UnknownLevel(f"levels: names must be unique, got {list(self.levels)}")
        if self.default not in self.levels:
            raise UnknownLevel(f"default_level: {self.default!r} is not one of {list(self.levels)}")
        for alias, target in self.aliases.items():
            if target not in self.levels:
                raise UnknownLevel(
                    f"aliases: {alias!r} points to {target!r}, not one of {list(self.levels)}"
                )

    @classmethod
    def default_scale(cls) -> PriorityScale:
        """The default low < medium < high < urgent scale with the common aliases."""
        return cls(DEFAULT_LEVELS, dict(DEFAULT_ALIASES), "medium")

    @classmethod
    def from_names(
        cls,
        levels: Iterable[str],
        aliases: Mapping[str, str] | None = None,
        default: str | None = None,
    ) -> PriorityScale:
        """Build a scale; the default level falls back to the middle (lower middle) level."""
        names = tuple(levels)
        chosen = default if default is not None else names[(len(names) - 1) // 2]
        return cls(names, dict(aliases or {}), chosen)

    def parse(self, label: str) -> str:
        """Map a label or alias (case- and whitespace-insensitive) to its level name."""
        key = _norm(str(label))
        for level in self.levels:
            if _norm(level) == key:
                return level
        for alias, target in self.aliases.items():
            if _norm(alias) == key:
                return target
        raise UnknownLevel(
            f"{label!r} is not a priority level; use one of {list(self.levels)}"
            + (f" or an alias {sorted(self.aliases)}" if self.aliases else "")
        )

    def unknown(self, names: Iterable[str]) -> list[str]:
        """The names that are neither a level nor an alias of this scale (e.g. a model's)."""
        out = []
        for name in names:
            try:
                self.parse(name)
            except UnknownLevel:
                out.append(name)
        return out

    def index(self, level: str) -> int:
        """Position of a level in ascending urgency (0 = least urgent)."""
        return self.levels.index(self.parse(level))

    @property
    def top(self) -> str:
        """The most urgent level."""
        return self.levels[-1]

    def max(self, a: str, b: str) -> str:
        """The more urgent of two levels."""
        return a if self.index(a) >= self.index(b) else b

    def min(self, a: str, b: str) -> str:
        """The less urgent of two levels."""
        return a if self.index(a) <= self.index(b) else b
