"""dbt's run_results.json in phases (load, staging, ..., tests) and the slowest nodes."""

from __future__ import annotations

from abm_warehouse.tooling.bench.common import PHASES


def node_phase(node: dict) -> str:
    """Benchmark phase of a manifest node (model, seed, snapshot, test)."""
    kind = node.get("resource_type")
    path = node.get("original_file_path", "")
    if kind == "seed":
        return "load"
    if kind in ("test", "unit_test"):
        return "tests"
    if kind == "snapshot":
        return "snapshots"
    if kind != "model":
        return "other"
    if node.get("name", "").startswith("base_"):
        return "load"  # the base_ tables read the raw files
    if path.startswith("models/staging/"):
        return "staging"
    if path.startswith("models/intermediate/"):
        return "intermediate"
    if path.startswith("models/marts/"):
        return "python" if node.get("language") == "python" else "marts"
    return "other"


def _node_span(result: dict) -> tuple[str | None, str | None]:
    times = [t for t in result.get("timing", []) if t.get("started_at")]
    if not times:
        return None, None
    return min(t["started_at"] for t in times), max(t["completed_at"] for t in times)


def phase_timings(run_results: dict, manifest: dict) -> dict:
    """Per phase: nodes, summed node seconds, and wall span (first start to last end).

    dbt runs nodes of different phases side by side (threads), so spans overlap and the
    summed node seconds exceed the wall time with more than one thread."""
    from datetime import datetime

    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    phases: dict[str, dict] = {}
    for r in run_results["results"]:
        node = nodes.get(r["unique_id"], {"resource_type": r["unique_id"].split(".")[0]})
        p = phases.setdefault(
            node_phase(node), {"nodes": 0, "node_seconds": 0.0, "start": None, "end": None}
        )
        p["nodes"] += 1
        p["node_seconds"] += r.get("execution_time") or 0.0
        start, end = _node_span(r)
        if start:
            p["start"] = min(p["start"] or start, start)
            p["end"] = max(p["end"] or end, end)
    out = {}
    for name in PHASES:
        if name not in phases:
            continue
        p = phases[name]
        span = None
        if p["start"]:
            t0 = datetime.fromisoformat(p["start"].replace("Z", "+00:00"))
            t1 = datetime.fromisoformat(p["end"].replace("Z", "+00:00"))
            span = round((t1 - t0).total_seconds(), 2)
        out[name] = {
            "nodes": p["nodes"],
            "node_seconds": round(p["node_seconds"], 2),
            "wall_span_s": span,
        }
    return out


def slowest_nodes(run_results: dict, n: int = 10, kinds: tuple[str, ...] = ("model",)) -> list:
    rows = [
        {
            "node": r["unique_id"].split(".", 2)[-1],
            "seconds": round(r.get("execution_time") or 0.0, 2),
            "status": r.get("status"),
        }
        for r in run_results["results"]
        if r["unique_id"].split(".")[0] in kinds
    ]
    return sorted(rows, key=lambda r: -r["seconds"])[:n]
