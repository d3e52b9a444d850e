"""Trend charts drawn on the server as inline SVG: no script, no CDN
(DESIGN principle 7), and they print."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_L, PAD_B, PAD_T, PAD_R = 640, 240, 76, 34, 14, 30


def line_chart(title: str, points: list[tuple[date, float | None]], unit: str = "",
               max_value: float | None = None) -> Markup:
    """A line over days; days without data leave a gap."""
    values = [v for _, v in points if v is not None]
    top = max_value if max_value is not None else max(values, default=0) or 1
    n = max(len(points) - 1, 1)
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def xy(i: int, v: float) -> tuple[float, float]:
        return PAD_L + plot_w * i / n, PAD_T + plot_h * (1 - v / top)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for frac in (0, 0.5, 1):
        y = PAD_T + plot_h * (1 - frac)
        parts.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" '
                     'class="grid"/>')
        parts.append(f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{top * frac:g}{escape(unit)}</text>")
    segment: list[str] = []
    for i, (_, v) in enumerate(points):
        if v is None:
            if len(segment) > 1:
                parts.append(f'<polyline points="{" ".join(segment)}" class="line"/>')
            segment = []
            continue
        x, y = xy(i, v)
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="dot">'
                     f"<title>{points[i][0].isoformat()}: {v:g}{escape(unit)}</title></circle>")
    if len(segment) > 1:
        parts.append(f'<polyline points="{" ".join(segment)}" class="line"/>')
    for i in (0, len(points) - 1):
        if points:
            x, _ = xy(i, 0)
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                         f"{points[i][0].strftime('%m-%d')}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
