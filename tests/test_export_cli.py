"""borderwatch export end to end: the page's real figures, written offline, with a manifest."""
import hashlib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from dashboard.export import find_chrome

BIN = Path(sys.executable).with_name("borderwatch")
pytestmark = pytest.mark.skipif(find_chrome() is None, reason="no Chrome/Chromium (make test installs it)")


def export(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), "export", "--out", str(out), *args], capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def az_png(tmp_path_factory):
    out = tmp_path_factory.mktemp("az_png")
    p = export(out, "--chart", "map,volumes,events", "--state", "AZ", "--at", "2023-12-20", "--from", "2023-01",
               "--to", "2024-06", "--width", "800", "--height", "500", "--scale", "2")
    assert p.returncode == 0, p.stderr
    return out, p.stdout.split()


def test_files_names_and_manifest(az_png):
    out, printed = az_png
    names = sorted(Path(x).name for x in printed)
    assert names == ["events_AZ_at-2023-12-20.png", "manifest.json", "map_AZ_at-2023-12-20.png",
                     "volumes_AZ_vehicles_2023-01_2024-06.png"]
    m = json.loads((out / "manifest.json").read_text())
    assert m["filters"]["state"] == "AZ" and m["filters"]["at"] == "2023-12-20"
    assert m["data_sources"]["cbp_wait_times"]["as_of"] == "2022-06-29T17:25:15+00:00"
    assert m["data_sources"]["bts_crossings"]["through"] == "2025-02-01"
    assert m["snapshot_id"] == json.loads((Path(__file__).parent.parent / "data/manifest.json").read_text())["snapshot_id"]
    for f in m["files"]:
        assert hashlib.sha256((out / f["name"]).read_bytes()).hexdigest() == f["sha256"]


def test_png_size_is_width_height_times_scale_and_not_blank(az_png):
    out, _ = az_png
    for name in ("map_AZ_at-2023-12-20.png", "volumes_AZ_vehicles_2023-01_2024-06.png"):
        im = Image.open(out / name)
        assert im.size == (1600, 1000), name
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50, name  # real content, not a blank canvas


def test_az_map_shows_arizona(az_png):
    out, _ = az_png
    im = Image.open(out / "map_AZ_at-2023-12-20.png").convert("RGB")
    px = im.getcolors(maxcolors=1 << 20)
    total = im.size[0] * im.size[1]
    mexico = sum(n for n, c in px if c == (0xEB, 0xE6, 0xDC))  # the shaded-Mexico land colour
    assert mexico > 0.10 * total  # the border region is drawn from the local basemap
    closed = sum(n for n, c in px if abs(c[0] - 0xD5) < 12 and abs(c[1] - 0x5E) < 12 and abs(c[2] - 0x00) < 12)
    assert closed > 50  # the vermillion 'closed' markers (Lukeville, Morley Gate)


def test_svg_parses_and_carries_title_and_caption(tmp_path):
    p = export(tmp_path, "--chart", "map", "--state", "AZ", "--at", "2023-12-20", "--format", "svg")
    assert p.returncode == 0, p.stderr
    svg = (tmp_path / "map_AZ_at-2023-12-20.svg").read_text(encoding="utf-8")
    ET.fromstring(svg)  # well-formed XML
    # a title in words (place, measure, period), human names only, a source line with the as-of time
    assert "Status of border crossings into the U.S.: Arizona, as of" in svg
    assert re.search(r"Dec(\s|&nbsp;|&#160;)20,(\s|&nbsp;|&#160;)2023", svg.replace("\u00a0", " "))
    assert "ARIZONA" in svg and "Lukeville" in svg
    assert "Source: U.S. Customs and Border Protection (CBP) Border Wait Times" in svg
    assert "as of 2022-06-29 10:25 MST" in svg
    assert "az-" not in svg and "States:" not in svg and "Months" not in svg


def test_bad_filters_are_errors_not_files(tmp_path):
    p = export(tmp_path, "--chart", "map", "--state", "NM")
    assert p.returncode == 1 and "state=NM" in p.stderr and "Traceback" not in p.stderr
    p = export(tmp_path, "--chart", "pie")
    assert p.returncode == 1 and "unknown chart" in p.stderr
    assert not list(tmp_path.iterdir())


def test_hostile_crossing_is_refused_before_any_file(tmp_path):
    out = tmp_path / "out"
    p = export(out, "--chart", "map", "--state", "AZ", "--crossing", "../../etc/passwd")
    assert p.returncode == 1 and "unknown crossing '../../etc/passwd'" in p.stderr
    assert not out.exists()


def test_crossing_export_names_are_descriptive(tmp_path):
    p = export(tmp_path, "--chart", "waits", "--crossing", "ca-san-ysidro", "--format", "svg")
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in tmp_path.iterdir()) == ["manifest.json", "waits_TX-AZ-CA_ca-san-ysidro.svg"]
