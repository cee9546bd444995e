"""Draw bench/roundtrip_latency.png from bench/results/roundtrip.json (bench/roundtrip.py).

.venv/bin/python bench/plot_roundtrip.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench/results/roundtrip.json"
    data = json.loads(source.read_text())
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    styles = {
        "pingback": ("tab:blue", "PingBack (PostgreSQL + Redis)"),
        "bare": ("tab:gray", "bare python-socketio relay"),
    }
    for target, (color, label) in styles.items():
        points = data[target]["points"]
        x = [p["offered_rate"] for p in points]
        ax.plot(x, [p["p50"] for p in points], "o-", color=color, label=f"{label}: p50")
        ax.plot(x, [p["p99"] for p in points], "s--", color=color, label=f"{label}: p99")
    ax.axhline(50, color="tab:red", linewidth=0.8, linestyle=":", label="50 ms target")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("offered load (messages/s, all conversations)")
    ax.set_ylabel("customer emit -> agent receipt (ms)")
    m = data["machine"]
    ax.set_title(
        f"Widget round trip, {data['conversations']} conversations, "
        f"{m['cpus']} cores ({data['at'][:10]})"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = ROOT / "bench" / "roundtrip_latency.png"
    fig.savefig(out)
    print("wrote", out)


if __name__ == "__main__":
    main()
