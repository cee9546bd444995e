"""Server-side SVG charts for the reports page: the geometry is computed here, the template
only draws it (no JavaScript, no CDN; the numbers are also in the page's tables and CSVs)."""

from __future__ import annotations

WIDTH, HEIGHT, PAD = 720, 220, 32
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at least ``value``."""
    if value <= 0:
        return 1
    scale = 1.0
    while scale * 10 < value:
        scale *= 10
    for step in (1, 2, 5, 10):
        if step * scale >= value:
            return step * scale
    return 10 * scale


def volume(days: list[dict]) -> dict:
    """Opened (and resolved) conversations per day, as grouped bars."""
    top = nice_max(max([max(d["opened"], d["resolved"]) for d in days] or [0]))
    slot = (WIDTH - 2 * PAD) / max(len(days), 1)
    bar = max(1.0, slot * 0.38)
    inner = HEIGHT - 2 * PAD
    bars = []
    every = max(1, len(days) // 10)  # at most ~10 date labels
    for i, d in enumerate(days):
        for j, key in enumerate(("opened", "resolved")):
            h = inner * d[key] / top
            bars.append(
                {
                    "x": round(PAD + i * slot + j * bar + slot * 0.1, 1),
                    "y": round(HEIGHT - PAD - h, 1),
                    "width": round(bar, 1),
                    "height": round(h, 1),
                    "kind": key,
                    "title": f"{d['day']}: {d[key]} {key}",
                }
            )
    labels = [
        {"x": round(PAD + i * slot + slot / 2, 1), "text": d["day"][5:]}
        for i, d in enumerate(days)
        if i % every == 0
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "top": top,
        "bars": bars,
        "labels": labels,
    }


def trend(days: list[dict]) -> dict:
    """The median first response per day, as a polyline (days without answers are gaps)."""
    values = [d["first_response_median"] for d in days]
    top = nice_max(max([v for v in values if v is not None] or [0]))
    slot = (WIDTH - 2 * PAD) / max(len(days) - 1, 1)
    inner = HEIGHT - 2 * PAD
    segments: list[list[dict]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(
            {
                "x": round(PAD + i * slot, 1),
                "y": round(HEIGHT - PAD - inner * v / top, 1),
                "title": f"{days[i]['day']}: median {v:.0f} s",
            }
        )
    lines = [
        {"points": " ".join(f"{p['x']},{p['y']}" for p in seg), "dots": seg}
        for seg in segments
        if seg
    ]
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "top": top, "lines": lines}


def heatmap(grid: list[list[int]]) -> dict:
    """Weekday x hour cells, darker for more conversations opened."""
    cell, left, topm = 26, 40, 18
    peak = max([max(row) for row in grid] or [0]) or 1
    cells = []
    for w, row in enumerate(grid):
        for h, n in enumerate(row):
            cells.append(
                {
                    "x": left + h * cell,
                    "y": topm + w * cell,
                    "size": cell - 2,
                    "opacity": round(0.08 + 0.92 * n / peak, 3) if n else 0.04,
                    "title": f"{WEEKDAYS[w]} {h:02d}:00: {n}",
                }
            )
    return {
        "width": left + 24 * cell,
        "height": topm + 7 * cell,
        "cells": cells,
        "rows": [{"y": topm + w * cell + cell / 2 + 4, "text": d} for w, d in enumerate(WEEKDAYS)],
        "hours": [{"x": left + h * cell + cell / 2, "text": f"{h:02d}"} for h in range(0, 24, 3)],
    }
