"""Prometheus metrics in the text exposition format, with no dependency."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Request counts and a latency histogram per endpoint; gauges are read at scrape time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(endpoint, status)] += 1
            self.sums[endpoint] += seconds
            self.counts[endpoint] += 1
            row = self.buckets[endpoint]
            for index in range(bisect.bisect_left(BUCKETS, seconds), len(BUCKETS)):
                row[index] += 1

    def render(self, gauges: dict[str, tuple[str, float]]) -> str:
        """The exposition text; ``gauges`` maps a metric name to (help, value)."""
        lines = [
            "# HELP orchkg_requests_total HTTP requests by endpoint and status.",
            "# TYPE orchkg_requests_total counter",
        ]
        with self._lock:
            for (endpoint, status), count in sorted(self.requests.items()):
                lines.append(
                    f'orchkg_requests_total{{endpoint="{endpoint}",status="{status}"}} {count}'
                )
            errors = sum(c for (_, status), c in self.requests.items() if status >= 500)
            lines += [
                "# HELP orchkg_request_errors_total Responses with a 5xx status.",
                "# TYPE orchkg_request_errors_total counter",
                f"orchkg_request_errors_total {errors}",
                "# HELP orchkg_request_duration_seconds Request latency.",
                "# TYPE orchkg_request_duration_seconds histogram",
            ]
            for endpoint in sorted(self.counts):
                for bound, count in zip(BUCKETS, self.buckets[endpoint], strict=True):
                    lines.append(
                        f'orchkg_request_duration_seconds_bucket{{endpoint="{endpoint}",'
                        f'le="{bound}"}} {count}'
                    )
                lines.append(
                    f'orchkg_request_duration_seconds_bucket{{endpoint="{endpoint}",le="+Inf"}} '
                    f"{self.counts[endpoint]}"
                )
                lines.append(
                    f'orchkg_request_duration_seconds_sum{{endpoint="{endpoint}"}} '
                    f"{self.sums[endpoint]:.6f}"
                )
                lines.append(
                    f'orchkg_request_duration_seconds_count{{endpoint="{endpoint}"}} '
                    f"{self.counts[endpoint]}"
                )
        for name, (help_text, value) in gauges.items():
            kind = "counter" if name.endswith("_total") else "gauge"
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"
