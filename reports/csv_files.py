"""Reports as CSV: each report is a few hundred rows at most, streamed as they are written."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import StreamingHttpResponse

from conversations import errors

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
REPORTS = ("days", "heatmap", "totals")


class _Line:
    """A file-like object whose write returns the line, for a streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _lines(rows) -> Iterator[str]:
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow(row)


def _days(report: dict):
    yield [
        "day",
        "opened",
        "resolved",
        "messages_received",
        "messages_sent",
        "median_first_response_seconds",
    ]
    for d in report["days"]:
        yield [
            d["day"],
            d["opened"],
            d["resolved"],
            d["messages_in"],
            d["messages_out"],
            "" if d["first_response_median"] is None else d["first_response_median"],
        ]


def _heatmap(report: dict):
    yield ["weekday", *[f"{h:02d}h" for h in range(24)]]
    for name, hours in zip(WEEKDAYS, report["heatmap"], strict=True):
        yield [name, *hours]


def _totals(report: dict):
    yield ["metric", "value"]
    for group in ("conversations", "messages", "csat", "ai"):
        for key, value in report[group].items():
            yield [f"{group}.{key}", "" if value is None else value]
    for timing in ("first_response_seconds", "resolution_seconds", "waiting_seconds"):
        for key, value in report[timing].items():
            yield [f"{timing}.{key}", "" if value is None else value]


def lines(report: dict, which: str) -> Iterator[str]:
    return _lines({"days": _days, "heatmap": _heatmap, "totals": _totals}[which](report))


def check(which: str) -> str:
    if which not in REPORTS:
        raise errors.ValidationFailed(
            f"report must be one of {', '.join(REPORTS)}.", field="report"
        )
    return which


def response(report: dict, which: str) -> StreamingHttpResponse:
    """The report as a streamed CSV download (REST and the inbox page)."""
    out = StreamingHttpResponse(lines(report, which), content_type="text/csv")
    name = f"{which}-{report['from']}-{report['to']}.csv"
    out["Content-Disposition"] = f'attachment; filename="{name}"'
    return out
