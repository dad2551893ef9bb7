"""The README's benchmark table, generated from ``bench/results.json`` (never edited by hand).

    python -m bench.table [--results bench/results.json]            # print the Markdown table
    python -m bench.table --write-readme [--readme README.md]        # replace the block between the markers

The block in README.md lies between ``<!-- bench:start -->`` and ``<!-- bench:end -->``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def num(x) -> str:
    if x is None:
        return "—"
    ax = abs(x)
    return f"{x:.3f}" if ax < 1 else f"{x:.2f}" if ax < 100 else f"{x:,.0f}"


def unit_text(unit: str) -> str:
    return "×" if unit == "x" else unit


def status(f: dict) -> str:
    if f.get("error"):
        return "ERROR: " + str(f["error"]).splitlines()[0][:120].replace("|", "/")
    if f.get("ok") is None:
        return "info"
    return "ok" if f["ok"] else "**miss**"


def ratio_text(f: dict) -> str:
    if f.get("ratio") is None or f.get("floor") is None:
        return "—"
    if str(f.get("target", "")).startswith("<= +"):
        return f"+{num(f['value'] - f['floor'])} {unit_text(f['unit'])}"
    return f"{f['ratio']:.2f}×"


def target_text(t: str) -> str:
    return "—" if t == "info" else t.replace("<=", "≤").replace("x", "×") if t.endswith("x") else t.replace("<=", "≤")


def render(results: dict) -> str:
    """Markdown: one line saying where it ran, then one row per figure."""
    m, run = results.get("machine", {}), results.get("run", {})
    cores = m.get("cpu_count")
    phys = m.get("cpu_count_physical")
    where = (f"Run {m.get('started_at', '?')} on {m.get('platform', '?')}, {cores} logical cores"
             + (f" ({phys} physical)" if phys and phys != cores else "")
             + f", {num(m.get('memory_total_mb', 0) / 1024) if m.get('memory_total_mb') else '?'} GB RAM, "
             f"Python {m.get('python', '?')}, {m.get('chromium', '?')}; load average {m.get('loadavg_start', '?')} "
             f"at start, {m.get('loadavg_end', '?')} at end; n={run.get('n', '?')} (medians), "
             f"{num(m.get('wall_s'))} s in all; commit {str(m.get('git_commit') or '?')[:10]}.")
    lines = [where, "", "| figure | value | range (n) | floor, same run | ratio | target | |",
             "|---|---|---|---|---|---|---|"]
    for f in results.get("figures", []):
        u = unit_text(f["unit"])
        value = "—" if f.get("value") is None else f"{num(f['value'])} {u}"
        rng = "—" if f.get("min") is None else f"{num(f['min'])}–{num(f['max'])} ({f['n']})"
        floor = "—" if f.get("floor") is None else f"{num(f['floor'])} {u} ({f.get('floor_label') or 'floor'})"
        name = str(f["name"]).replace("|", "/")
        lines.append(f"| {name} | {value} | {rng} | {floor} | {ratio_text(f)} | {target_text(f['target'])} | "
                     f"{status(f)} |")
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    if START not in text or END not in text or text.index(START) > text.index(END):
        raise ValueError(f"README has no {START} ... {END} block")
    a, b = text.index(START) + len(START), text.index(END)
    return text[:a] + "\n" + block + "\n" + text[b:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.table", description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(HERE / "results.json"))
    ap.add_argument("--write-readme", action="store_true")
    ap.add_argument("--readme", default=str(HERE.parent / "README.md"))
    a = ap.parse_args(argv)
    try:
        results = json.loads(Path(a.results).read_text())
        if not isinstance(results, dict) or not isinstance(results.get("figures"), list):
            raise ValueError("not a bench results object (no 'figures' list)")
        block = render(results)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"bench.table: cannot read {a.results}: {exc}", file=sys.stderr)
        return 1
    if not a.write_readme:
        print(block)
        return 0
    readme = Path(a.readme)
    try:
        readme.write_text(replace_block(readme.read_text(), block))
    except ValueError as exc:
        print(f"bench.table: {readme}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote the benchmark table into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
