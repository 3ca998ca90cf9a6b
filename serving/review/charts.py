"""Server-rendered SVG charts for the dashboard: no JavaScript, no CDN, readable by screen
readers (each chart has a title and description, and the page repeats the numbers in tables).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from serving.storage.stats import Slice, TimePoint

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
INK = "#1a1a1a"
GRID = "#c8c8c8"


def _svg(chart_id: str, title: str, desc: str, size: tuple[int, int], body: str) -> Markup:
    width, height = size
    # Every interpolated text is escaped here or where `body` was built.
    return Markup(  # noqa: S704
        f'<svg id="{escape(chart_id)}" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
        f'font-size="12">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>{body}</svg>'
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _version_label(version: str) -> str:
    return "rules only" if version == "rules-only" else f"model {version}"


def line_chart(
    chart_id: str, title: str, points: Sequence[TimePoint], *, zone: str = "UTC"
) -> Markup:
    """Acceptance rate per day, one line per model version; the x axis names the days' `zone`."""
    width, height, left, right, top, bottom = 640, 276, 44, 150, 16, 52
    days = sorted({p.day for p in points})
    versions = sorted({p.model_version for p in points})
    plot_w, plot_h = width - left - right, height - top - bottom
    parts: list[str] = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{tick * 100:.0f}%</text>"
        )

    def x_of(day: str) -> float:
        if len(days) == 1:
            return left + plot_w / 2
        return left + plot_w * days.index(day) / (len(days) - 1)

    step = max(1, len(days) // 6)
    for day in days[::step]:
        parts.append(
            f'<text x="{x_of(day):.1f}" y="{top + plot_h + 24}" text-anchor="middle" '
            f'fill="{INK}">{escape(day[5:])}</text>'
        )
    parts.append(
        f'<text id="{escape(chart_id)}-zone" x="{left + plot_w / 2:.1f}" y="{height - 8}" '
        f'text-anchor="middle" fill="{INK}">day in {escape(zone)}</text>'
    )
    for index, version in enumerate(versions):
        color = PALETTE[index % len(PALETTE)]
        series = [p for p in points if p.model_version == version and p.rate is not None]
        coords = [(x_of(p.day), top + plot_h * (1 - (p.rate or 0.0)), p) for p in series]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>'
            )
        for x, y, p in coords:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}">'
                f"<title>{escape(version)} {escape(p.day)}: {_pct(p.rate)} of {p.reviews}"
                "</title></circle>"
            )
        ly = top + 14 + index * 18
        parts.append(
            f'<rect x="{width - right + 12}" y="{ly - 9}" width="10" height="10" '
            f'fill="{color}"/><text x="{width - right + 28}" y="{ly}" fill="{INK}">'
            f"{escape(_version_label(version))}</text>"
        )
    if not points:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            f'fill="{INK}">No reviews yet</text>'
        )
    desc = "; ".join(f"{p.model_version} {p.day}: {_pct(p.rate)}" for p in points[:50])
    return _svg(chart_id, title, desc or "no data", (width, height), "".join(parts))


def _label(key: str, limit: int = 16) -> str:
    # The bars start 110 px in; a longer label (a reviewer's full name) would run into them.
    return key if len(key) <= limit else key[: limit - 1] + "\u2026"


def bar_chart(chart_id: str, title: str, slices: Sequence[Slice]) -> Markup:
    """Horizontal bars of acceptance rate, one per slice, labelled with rate and count."""
    row, left, width = 26, 110, 640
    height = max(row * len(slices) + 16, 50)
    plot_w = width - left - 140
    parts: list[str] = []
    for index, item in enumerate(slices):
        y = 8 + index * row
        bar = plot_w * (item.rate or 0.0)
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">'
            f"{escape(_label(item.key))}</text>"
            f'<rect x="{left}" y="{y}" width="{plot_w}" height="{row - 8}" fill="#eeeeee"/>'
            f'<rect x="{left}" y="{y}" width="{bar:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{left + plot_w + 8}" y="{y + 15}" fill="{INK}">'
            f"{_pct(item.rate)} of {item.reviews}</text>"
        )
    if not slices:
        parts.append(f'<text x="{left}" y="30" fill="{INK}">No reviews yet</text>')
    desc = "; ".join(f"{s.key}: {_pct(s.rate)} of {s.reviews}" for s in slices)
    return _svg(chart_id, title, desc or "no data", (width, height), "".join(parts))


def matrix_chart(
    chart_id: str, title: str, matrix: Mapping[str, Mapping[str, int]], levels: Sequence[str]
) -> Markup:
    """Suggested level (rows) against the reviewer's final level (columns), shaded by count."""
    cell, left, top = 64, 96, 40
    width, height = left + cell * len(levels) + 16, top + cell * len(levels) + 16
    peak = max((n for row in matrix.values() for n in row.values()), default=0) or 1
    parts = [
        f'<text x="{left + cell * len(levels) / 2}" y="14" text-anchor="middle" '
        f'fill="{INK}">final level (reviewer)</text>'
    ]
    for j, level in enumerate(levels):
        parts.append(
            f'<text x="{left + cell * j + cell / 2}" y="{top - 8}" text-anchor="middle" '
            f'fill="{INK}">{escape(level)}</text>'
        )
    for i, suggested in enumerate(levels):
        y = top + cell * i
        parts.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end" fill="{INK}">'
            f"{escape(suggested)}</text>"
        )
        for j, final in enumerate(levels):
            count = matrix.get(suggested, {}).get(final, 0)
            share = count / peak
            fill = PALETTE[2] if i == j else PALETTE[1]
            text_fill = "#ffffff" if share > 0.55 else INK
            parts.append(
                f'<rect x="{left + cell * j}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{fill}" fill-opacity="{0.08 + 0.92 * share:.2f}" stroke="{GRID}"/>'
                f'<text x="{left + cell * j + cell / 2}" y="{y + cell / 2 + 4}" '
                f'text-anchor="middle" fill="{text_fill}">{count}</text>'
            )
    desc = "; ".join(
        f"suggested {s} -> final {f}: {n}" for s, row in matrix.items() for f, n in row.items() if n
    )
    return _svg(chart_id, title, desc or "no reviews", (width, height), "".join(parts))
