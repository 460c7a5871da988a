"""results.json and report.md: verdicts against the targets, summaries, the Markdown report."""

from __future__ import annotations

import json
from pathlib import Path

from abm_warehouse.tooling.bench.scale import machine

# The targets on a 2-core, 24 GiB machine: (results key, bound, what it means).
TARGETS = (
    ("ratio_full_to_floor", 2.0, "full build ≤ 2× the floor"),
    ("peak_rss_mb", 4096.0, "peak RSS ≤ 4 GiB with DuckDB's memory limit set"),
    ("incremental_share", 0.10, "one-day incremental refresh ≤ 10% of the full build"),
    ("scaling_4x_ratio", 4.5, "4× data ≤ 4.5× time"),
    (
        "daily_refresh_share",
        0.10,
        "daily refresh (one more day of deltas, as-of + 1) ≤ 10% of the full build",
    ),
    ("daily_peak_rss_mb", 4096.0, "daily scenario: peak RSS ≤ 4 GiB (full build and refresh)"),
)


def verdicts(results: dict) -> list[dict]:
    """Each target with the measured value and met / missed / not measured."""
    out = []
    for key, bound, text in TARGETS:
        value = results.get(key)
        status = "not measured" if value is None else ("met" if value <= bound else "missed")
        out.append({"key": key, "target": text, "bound": bound, "value": value, "status": status})
    return out


def summarize(runs: list[dict], daily: list[dict] | None = None) -> dict:
    """results.json: the headline keys for the largest scale, every scale under ``runs``;
    the daily scenario's under ``daily`` (its headline keys: the largest scale's)."""
    runs = sorted(runs, key=lambda r: (r["scale"], r["event_multiplier"]))
    top = runs[-1] if runs else {}
    scaling_4x = None
    by_size = {round(r["scale"] * r["event_multiplier"], 6): r for r in runs}
    for size, r in by_size.items():
        big = by_size.get(round(size * 4, 6))
        if big and r.get("full_build_s"):
            scaling_4x = round(big["full_build_s"] / r["full_build_s"], 2)
    results = {
        "ratio_full_to_floor": top.get("ratio_full_to_floor"),
        "full_build_s": top.get("full_build_s"),
        "floor_s": top.get("floor_s"),
        "peak_rss_mb": top.get("peak_rss_mb"),
        "incremental_share": top.get("incremental_share"),
        "scaling_4x_ratio": scaling_4x,
        "scale": top.get("scale"),
        "event_multiplier": top.get("event_multiplier"),
        "machine": machine(),
    }
    daily = sorted(daily or [], key=lambda r: (r["scale"], r["event_multiplier"]))
    top_daily = daily[-1] if daily else {}
    peaks = [
        v
        for v in (
            top_daily.get("full_build_peak_rss_mb"),
            top_daily.get("first_refresh_peak_rss_mb"),
            top_daily.get("daily_refresh_peak_rss_mb"),
        )
        if v is not None
    ]
    results.update(
        daily_refresh_share=top_daily.get("daily_refresh_share"),
        daily_refresh_equals_full=top_daily.get("daily_refresh_equals_full"),
        daily_refresh_s=top_daily.get("daily_refresh_s"),
        daily_full_build_s=top_daily.get("full_build_s"),
        daily_peak_rss_mb=max(peaks) if peaks else None,
        daily_scale=top_daily.get("scale"),
        daily_event_multiplier=top_daily.get("event_multiplier"),
    )
    results["targets"] = verdicts(results)
    results["runs"] = runs
    results["daily"] = daily
    return results


def merge_runs(new: list[dict], earlier: list[dict]) -> list[dict]:
    """The new runs plus the earlier runs of other scales (e.g. 1x, 2x, 4x beside 40x14)."""
    done = {(r["scale"], r["event_multiplier"]) for r in new}
    return new + [r for r in earlier if (r["scale"], r["event_multiplier"]) not in done]


def _bar(value: float, top: float, width: int = 40) -> str:
    n = 0 if not top else int(round(width * value / top))
    return "█" * n or "▏"


def report_markdown(results: dict, label: str = "") -> str:
    """A short markdown report with a text bar chart (matplotlib is not pinned)."""
    lines = [f"# Benchmark report{': ' + label if label else ''}", ""]
    m = results["machine"]
    lines += [
        f"Machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, {m['platform']}, DuckDB {m['duckdb']}.",
        "",
        "| scale | code | events | full build s | floor s | full/floor | peak RSS MB | "
        "refresh +1 day s | share |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["runs"]:
        lines.append(
            f"| {r['scale']:g}×{r['event_multiplier']} | {r.get('code_version') or '-'} | "
            f"{r.get('events') or '-'} | "
            f"{r['full_build_s']} | {r['floor_s']} | {r['ratio_full_to_floor']} | "
            f"{r['peak_rss_mb']} | {r.get('incremental_s', '-')}"
            f"{' (failed)' if r.get('incremental_returncode') else ''}"
            f"{' (no gx)' if r.get('incremental_gx_skipped') else ''} | "
            f"{r.get('incremental_share', '-')}{_plan_brief(r)} |"
        )
    lines += [
        "",
        f"Scaling (time at 4× data / time at 1×): {results['scaling_4x_ratio']}",
        "",
        "Targets (the headline values are the largest scale's; why a target is missed and what "
        "would close it: benchmarks/README.md):",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
    ]
    lines += [
        f"| {v['target']} | {'-' if v['value'] is None else v['value']} | {v['status']} |"
        for v in results.get("targets") or verdicts(results)
    ]
    lines += [
        "",
        "Checks: the floor's numbers equal the kpi_ marts' (floor = marts); the refreshed "
        "warehouse's equal the floor on the next day's files (refresh = floor) and its marts, "
        "row for row, a from-scratch build on those files (refresh = full build):",
        "",
    ]
    lines += [
        f"- scale {r['scale']:g}×{r['event_multiplier']}: floor = marts "
        f"{r.get('floor_equals_marts', '-')}, refresh = floor "
        f"{r.get('incremental_equals_floor', '-')}, refresh = full build "
        f"{r.get('refresh_equals_full_build', '-')}"
        + (
            f" ({'; '.join(r['refresh_full_build_differences'])})"
            if r.get("refresh_full_build_differences")
            else ""
        )
        for r in results["runs"]
    ]
    lines.append("")
    if results.get("daily"):
        lines += [
            "## Daily scenario",
            "",
            "Daily delta folders (`generate --layout daily`); a full build as of D "
            "(`dbt build`, every model and test); then one more day of deltas (events and CRM "
            "changes) lands and `abm-warehouse refresh --as-of loaded` runs (as of D + 1). "
            "share = refresh wall time / full build wall time, same run; = full: every mart "
            "equals a from-scratch build on the same files at D + 1. The full build is as of "
            "D - 1; a first refresh (as of D) builds on a copy of the live file, the timed one "
            "(as of D + 1) on the previous generation in place, as nightly refreshes do "
            "(`refresh base`: what it built on, from its record). Peak RSS: the resident "
            "memory of the process tree, each page once (the sum of its processes' PSS; "
            "their summed RSS counts a page forked workers share once per worker, and is "
            "recorded beside it as `*_peak_summed_rss_mb`).",
            "",
            "| scale | code | full build s | first refresh s (copy) | refresh s | share "
            "| refresh base | peak RSS MB (full / refresh) | = full | refresh steps s |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results["daily"]:
            steps = ", ".join(f"{k} {v}" for k, v in (r.get("daily_refresh_steps") or {}).items())
            lines.append(
                f"| {r['scale']:g}×{r['event_multiplier']} | {r.get('code_version') or '-'} | "
                f"{r.get('full_build_s')} | {r.get('first_refresh_s', '-')} | "
                f"{r.get('daily_refresh_s')}"
                f"{' (failed)' if r.get('daily_refresh_returncode') else ''} | "
                f"{r.get('daily_refresh_share')} | {r.get('daily_refresh_base') or '-'} | "
                f"{r.get('full_build_peak_rss_mb')} / "
                f"{r.get('daily_refresh_peak_rss_mb')} | {r.get('daily_refresh_equals_full', '-')}"
                f" | {steps} |"
            )
        for r in results["daily"]:
            lines += [
                "",
                f"Slowest models of the refresh ({r['scale']:g}×{r['event_multiplier']}, "
                f"{r.get('daily_refresh_nodes', '-')} nodes):",
                "",
            ]
            lines += [
                f"- `{x['node']}` {x['seconds']} s"
                for x in r.get("daily_refresh_slowest_models", [])
            ]
            phases = r.get("daily_refresh_phases") or {}
            if phases:
                lines += [
                    "",
                    "Refresh nodes per phase (nodes, node seconds): "
                    + ", ".join(
                        f"{name} {p['nodes']} ({p['node_seconds']} s)" for name, p in phases.items()
                    )
                    + _left_out(r.get("daily_refresh_plan") or {}),
                ]
            if r.get("daily_refresh_differences"):
                lines += ["", "Differences: " + "; ".join(r["daily_refresh_differences"])]
        lines.append("")
    for r in results["runs"]:
        lines += [f"## Scale {r['scale']:g}×{r['event_multiplier']}: phases", "", "```"]
        phases = r["phases"]
        top = max([p["node_seconds"] for p in phases.values()] + [r["floor_s"] or 0])
        for name, p in phases.items():
            lines.append(f"{name:<13}{p['node_seconds']:>9.1f}s {_bar(p['node_seconds'], top)}")
        lines.append(f"{'(floor)':<13}{r['floor_s'] or 0:>9.1f}s {_bar(r['floor_s'] or 0, top)}")
        lines += [
            "```",
            "",
            "Node seconds summed per phase (dbt runs nodes side by side, so the sum exceeds "
            "the wall time). Slowest models:",
            "",
        ]
        lines += [f"- `{s['node']}` {s['seconds']} s" for s in r["slowest_models"]]
        if r.get("build_failures"):
            lines += ["", f"Build failures: {', '.join(r['build_failures'])}"]
        lines.append("")
    return "\n".join(lines)


def _left_out(plan: dict) -> str:
    n = plan.get("tests_checked_by_constraints")
    return f"; {n} data tests left out, made by stored constraints" if n else ""


def _plan_brief(run: dict) -> str:
    plan = run.get("incremental_plan")
    if not plan:
        return ""
    changed = f": {', '.join(plan['changed'])}" if plan.get("changed") else ""
    return f" ({plan['kind']}{changed})"


def write_results(results: dict, out: Path, label: str = "") -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(report_markdown(results, label), encoding="utf-8")
