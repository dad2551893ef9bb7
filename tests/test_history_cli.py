"""``borderwatch history heatmap|trend|savings|nearby|quality|asof`` on a readings file made from the real
San Diego archive (the store's own import/export is tested with the store)."""
from __future__ import annotations

import argparse
import contextlib
import io
import json

import pytest

from tests.readings_fixtures import sd_readings


@pytest.fixture(scope="module")
def readings_file(shared_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("hist") / "readings.csv"
    sd_readings(shared_data).to_csv(path, index=False)
    return path


def run(*argv):
    """Run ``borderwatch history <argv>`` through the real entry point when the history group exists, else
    through a parser holding only these subcommands. Returns (exit code, stdout, stderr)."""
    from dashboard import cli
    from dashboard.history_analysis_cli import add_history_analysis_commands
    out, err = io.StringIO(), io.StringIO()
    parser = cli.build_parser()
    has_group = any(isinstance(a, argparse._SubParsersAction) and "history" in a.choices for a in parser._actions)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if has_group:
            code = cli.main(["history", *argv])
        else:
            p = argparse.ArgumentParser(prog="borderwatch history")
            add_history_analysis_commands(p.add_subparsers(dest="command", required=True))
            args = p.parse_args(list(argv))
            try:
                code = args.func(args)
            except cli.BorderwatchError as exc:
                print(f"borderwatch: error: {exc}", file=err)
                code = 1
    return code, out.getvalue(), err.getvalue()


def test_heatmap_json(readings_file):
    code, out, _ = run("heatmap", "--crossing", "ca-san-ysidro", "--file", str(readings_file), "--format", "json")
    assert code == 0
    cells = {(c["weekday"], c["hour"]): c for c in json.loads(out)}
    assert len(cells) == 168
    assert cells[(0, 17)]["median_minutes"] == 120 and cells[(0, 17)]["n_readings"] == 3
    assert cells[(0, 0)]["median_minutes"] is None and cells[(0, 0)]["n_readings"] == 2


def test_heatmap_window_and_threshold(readings_file):
    code, out, _ = run("heatmap", "--crossing", "ca-san-ysidro", "--file", str(readings_file), "--format", "json",
                       "--from", "2026-09-14", "--to", "2026-09-20", "--min-readings", "1")
    cells = {(c["weekday"], c["hour"]): c for c in json.loads(out)}
    # Monday 2026-09-14 17:00 PDT had 120; the next Monday (80) is outside the window
    assert code == 0 and cells[(0, 17)]["median_minutes"] == 120 and cells[(0, 17)]["n_readings"] == 1


def test_quality_flags_outlier(readings_file):
    code, out, _ = run("quality", "--crossing", "ca-san-ysidro", "--file", str(readings_file), "--format", "json")
    rows = {r["measure"]: r for r in json.loads(out)}
    assert code == 0 and rows["outliers"]["value"] == 1 and rows["readings"]["value"] == 664


def test_savings_and_trend_csv(readings_file):
    code, out, _ = run("savings", "--crossing", "ca-otay-mesa-passenger", "--file", str(readings_file),
                       "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("mode,lane,hour,n_pairs")
    code, out, _ = run("trend", "--crossing", "ca-tecate", "--lane", "pedestrian:standard", "--file",
                       str(readings_file), "--format", "csv")
    assert code == 0 and "Pedestrians, Standard" in out and "Passenger" not in out


def test_nearby_and_asof(readings_file):
    code, out, _ = run("nearby", "--crossing", "ca-otay-mesa-passenger", "--at", "2026-08-25T22:30Z",
                       "--file", str(readings_file), "--format", "json")
    rows = json.loads(out)
    assert code == 0 and rows[0]["crossing_id"] == "ca-tecate" and rows[0]["delay_minutes"] == 120
    code, out, _ = run("asof", "--at", "2026-09-02T07:30", "--state", "CA", "--file", str(readings_file),
                       "--format", "json")
    st = {r["crossing_id"]: r["status"] for r in json.loads(out)}
    assert code == 0 and st["ca-san-ysidro"] == "open" and st["ca-calexico-east"] == "unknown"


@pytest.mark.parametrize("argv, msg", [
    (("heatmap", "--crossing", "tx-nowhere"), "unknown crossing"),
    (("heatmap", "--crossing", "ca-tecate", "--lane", "rail:standard"), "--lane"),
    (("heatmap", "--crossing", "ca-tecate", "--from", "soon"), "--from"),
    (("heatmap", "--crossing", "ca-tecate", "--from", "2026-09-10", "--to", "2026-09-01"), "before"),
    (("nearby", "--crossing", "ca-tecate", "--radius", "-5"), "--radius"),
])
def test_bad_input_is_one_line(readings_file, argv, msg):
    code, out, err = run(*argv, "--file", str(readings_file))
    assert code == 1 and msg in err and len(err.strip().splitlines()) == 1


def test_missing_or_wrong_file(tmp_path):
    code, _, err = run("heatmap", "--crossing", "ca-tecate", "--file", str(tmp_path / "nope.csv"))
    assert code == 1 and "no such file" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    code, _, err = run("heatmap", "--crossing", "ca-tecate", "--file", str(bad))
    assert code == 1 and "not a readings file" in err
