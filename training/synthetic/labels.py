"""The hidden labelling function: severity + customer context -> priority, then label noise.

Documented in docs/synthetic_data.md. Everything here works on numpy arrays so the generator
stays vectorised; `example_ticket` calls it with arrays of length one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from classifier.levels import DEFAULT_LEVELS
from classifier.schema import TIERS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

LEVELS: tuple[str, ...] = DEFAULT_LEVELS  # low < medium < high < urgent

TIER_WEIGHT: Mapping[str, float] = {
    "free": -0.45,
    "standard": 0.0,
    "premium": 0.2,
    "enterprise": 0.45,
}
VIP_WEIGHT = 0.5
VALUE_WEIGHT = 0.2  # per decade of monthly value above 100
URGENT_CUE_WEIGHT = 0.6
CALM_CUE_WEIGHT = -0.5
AFFECTED_WEIGHT = 0.4  # per decade of affected users
THRESHOLDS: tuple[float, float, float] = (0.2, 1.3, 2.6)  # medium, high, urgent start here
NOISE_RATE = 0.10
FAR_FLIP_SHARE = 0.1  # share of noisy labels that jump two levels instead of one


def severity(
    base: FloatArray, urgent_cue: BoolArray, calm_cue: BoolArray, affected_users: IntArray
) -> FloatArray:
    """How bad the problem itself is, from what the ticket says (kind, cues, blast radius)."""
    result: FloatArray = (
        base
        + URGENT_CUE_WEIGHT * urgent_cue
        + CALM_CUE_WEIGHT * calm_cue
        + AFFECTED_WEIGHT * np.log10(np.maximum(affected_users, 1))
    )
    return result


def context(tier: IntArray, vip: BoolArray, monthly_value: FloatArray) -> FloatArray:
    """How much the business cares about this customer (tier index into TIERS, VIP, value)."""
    weights = np.array([TIER_WEIGHT[t] for t in TIERS])
    result: FloatArray = (
        weights[tier]
        + VIP_WEIGHT * vip
        + VALUE_WEIGHT * np.log10(1.0 + np.maximum(monthly_value, 0.0) / 100.0)
    )
    return result


def to_level(score: FloatArray) -> IntArray:
    """Map a score onto level indices 0..3 with THRESHOLDS."""
    return np.searchsorted(np.array(THRESHOLDS), score, side="right").astype(np.int64)


def add_noise(levels: IntArray, rng: np.random.Generator, rate: float = NOISE_RATE) -> IntArray:
    """Flip about `rate` of the labels, mostly to an adjacent level, never to the same one."""
    top = len(LEVELS) - 1
    flip = rng.random(levels.shape[0]) < rate
    step = np.where(rng.random(levels.shape[0]) < FAR_FLIP_SHARE, 2, 1)
    direction = np.where(rng.random(levels.shape[0]) < 0.5, -1, 1)
    moved = levels + direction * step
    # A move off either end of the scale goes the other way instead.
    moved = np.where((moved < 0) | (moved > top), levels - direction * step, moved)
    moved = np.clip(moved, 0, top)
    return np.where(flip, moved, levels).astype(np.int64)


def stated_urgency(severity_level: IntArray, rng: np.random.Generator) -> npt.NDArray[np.str_]:
    """What the customer says: unstated 45% of the time, otherwise often overstated."""
    n = severity_level.shape[0]
    shift = rng.choice(np.array([-1, 0, 1, 2]), size=n, p=[0.1, 0.5, 0.3, 0.1])
    stated = np.clip(severity_level + shift, 0, len(LEVELS) - 1)
    names = np.array([*LEVELS, ""])
    return names[np.where(rng.random(n) < 0.45, len(LEVELS), stated)]
