"""bench.table renders a results.json into the README's Markdown block (no timing here: values are given)."""
from __future__ import annotations

import json

import pytest

from bench import table

RESULTS = {
    "machine": {"cpu_count": 2, "cpu_count_physical": 2, "memory_total_mb": 4096, "python": "3.11.2",
                "platform": "Linux-6.1-x86_64", "chromium": "Chromium 131", "started_at": "2026-12-01T10:30:00+00:00",
                "loadavg_start": [1.0, 2.0, 3.0], "loadavg_end": [1.5, 2.0, 3.0], "wall_s": 321.0,
                "git_commit": "0123456789abcdef"},
    "run": {"n": 3},
    "figures": [
        {"name": "browser rerun vs FLOOR-2", "value": 0.36, "unit": "s", "floor": 0.3, "ratio": 1.2,
         "target": "<= 1.3x", "ok": True, "min": 0.34, "max": 0.4, "n": 3, "floor_label": "FLOOR-2"},
        {"name": "heatmap", "value": 140.0, "unit": "ms", "floor": 2.0, "ratio": 70.0, "target": "<= 100 ms",
         "ok": False, "min": 130.0, "max": 150.0, "n": 3, "floor_label": "indexed SELECT"},
        {"name": "peak RSS", "value": 230.0, "unit": "MB", "floor": 90.0, "ratio": 2.56, "target": "<= +150 MB",
         "ok": True, "min": 230.0, "max": 230.0, "n": 1, "floor_label": "FLOOR app"},
        {"name": "8 sessions", "value": 7.5, "unit": "x", "floor": 7.0, "ratio": 1.07, "target": "<= 1.2x",
         "ok": True, "min": 7.5, "max": 7.5, "n": 1, "floor_label": "FLOOR 8/1"},
        {"name": "impact (cached)", "value": 0.03, "unit": "ms", "floor": None, "ratio": None, "target": "info",
         "ok": None, "min": 0.02, "max": 0.04, "n": 5, "floor_label": None},
        {"name": "broken", "value": None, "unit": "s", "floor": None, "ratio": None, "target": "<= 2x",
         "ok": None, "min": None, "max": None, "n": 0, "error": "TimeoutError: page | never drew\nmore"},
    ],
}


def test_render_rows_and_machine():
    out = table.render(RESULTS)
    lines = out.splitlines()
    assert "2 logical cores" in lines[0] and "Linux-6.1-x86_64" in lines[0] and "n=3" in lines[0]
    assert "commit 0123456789" in lines[0]
    rows = [ln for ln in lines if ln.startswith("| ") and not ln.startswith("| figure")]
    assert len(rows) == len(RESULTS["figures"])
    assert rows[0] == "| browser rerun vs FLOOR-2 | 0.360 s | 0.340–0.400 (3) | 0.300 s (FLOOR-2) | 1.20× | ≤ 1.3× | ok |"
    assert rows[1].endswith("| 70.00× | ≤ 100 ms | **miss** |")
    assert "| +140 MB | ≤ +150 MB | ok |" in rows[2]
    assert rows[3].startswith("| 8 sessions | 7.50 × |") and "≤ 1.2×" in rows[3]
    assert rows[4].endswith("| — | — | info |")
    # an error keeps the table intact: one line, no stray cell separators
    assert rows[5].count("|") == 8 and "ERROR: TimeoutError: page / never drew |" in rows[5]


def test_write_readme_replaces_only_the_block(tmp_path):
    res = tmp_path / "results.json"
    res.write_text(json.dumps(RESULTS))
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{table.START}\nold table\n{table.END}\noutro\n")
    assert table.main(["--results", str(res), "--write-readme", "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n" + table.START + "\nRun 2026-12-01") and text.endswith(table.END + "\noutro\n")
    assert "old table" not in text and "| heatmap | 140 ms |" in text
    # run again: idempotent
    assert table.main(["--results", str(res), "--write-readme", "--readme", str(readme)]) == 0
    assert readme.read_text() == text


def test_missing_markers_is_one_clear_error(tmp_path, capsys):
    res = tmp_path / "results.json"
    res.write_text(json.dumps(RESULTS))
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n")
    assert table.main(["--results", str(res), "--write-readme", "--readme", str(readme)]) == 1
    assert "bench:start" in capsys.readouterr().err
    assert readme.read_text() == "no markers\n"


@pytest.mark.parametrize("bad", ["{", "[]"])
def test_bad_results_file(tmp_path, bad, capsys):
    res = tmp_path / "results.json"
    res.write_text(bad)
    assert table.main(["--results", str(res)]) == 1
    assert "cannot read" in capsys.readouterr().err
