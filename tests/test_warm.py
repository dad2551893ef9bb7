"""dashboard.warm: the work `borderwatch run` does ahead of the first page, and what the page takes from it."""
from __future__ import annotations

import importlib
import json
import shutil
import socket

import pytest

from dashboard import views
from dashboard.filters import Filters
from loaders.config import get_settings
from loaders.errors import BorderwatchError
from loaders.snapshot import load_snapshot


@pytest.fixture()
def warm():
    from dashboard import warm as w
    w = importlib.reload(w)  # fresh module state for each test
    yield w
    if w._thread is not None:
        w._thread.join(60)
    importlib.reload(w)


def test_takes_the_snapshot_and_the_default_view_once(warm):
    data_dir = get_settings().data_dir
    warm.start(data_dir).join(120)
    mtime = warm.manifest_mtime(data_dir)
    snap = warm.take(data_dir, mtime)
    assert snap is not None and warm.take(data_dir, mtime) is None  # handed over once
    ref = load_snapshot(data_dir)
    assert snap.snapshot_id == ref.snapshot_id and len(snap.volumes) == len(ref.volumes)

    f = Filters()
    skey, qkey = views.snapshot_key(snap), views.query_key(f)
    status = warm.precomputed("status", skey, f.at)
    assert status is not None and warm.precomputed("status", skey, f.at) is None
    assert status.equals(views.mode_frame(ref, f))
    # the charts are the ones the page would build itself, byte for byte
    for name, build in (("map", lambda: views.map_chart(ref, f, views.select_status(ref, status, f))),
                        ("volumes", lambda: views.volumes_chart(ref, f))):
        spec = warm.precomputed(name, skey, qkey)
        assert spec is not None, name
        assert json.loads(spec.figure.to_json()) == json.loads(build().figure.to_json())
        assert spec.table.equals(build().table)
    # the sidebar's lookups are already memoised on the snapshot
    assert {"month_options", "crossing_labels", "family_measures"} <= set(snap.extra)
    # Streamlit's once-per-process "not run with streamlit run?" check (inspect.stack over every module)
    import streamlit.delta_generator as dg
    assert dg._use_warning_has_been_displayed is True
    # nothing for other views: those are computed by the page
    assert warm.precomputed("map", skey, views.query_key(Filters(states=("AZ",)))) is None


def test_a_changed_manifest_or_another_directory_is_not_taken(warm, tmp_path):
    data_dir = get_settings().data_dir
    warm.start(data_dir).join(120)
    assert warm.take(data_dir, warm.manifest_mtime(data_dir) + 1) is None
    warm2 = importlib.reload(warm)
    warm2.start(data_dir).join(120)
    assert warm2.take(tmp_path, warm2.manifest_mtime(data_dir)) is None


def test_a_failure_leaves_the_page_to_do_the_work_and_report_it(warm, tmp_path):
    bad = tmp_path / "data"
    shutil.copytree(get_settings().data_dir, bad)
    (bad / "events.csv").write_text("not,an,events,file\n1,2,3,4\n", encoding="utf-8")
    warm.start(bad).join(120)
    assert warm.take(bad, warm.manifest_mtime(bad)) is None
    assert isinstance(warm._result.get("error"), Exception)
    with pytest.raises(BorderwatchError):  # what the page then shows
        load_snapshot(bad)


def test_waits_until_the_server_listens(warm):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    t = warm.start(get_settings().data_dir, listen=("127.0.0.1", port))
    t.join(0.5)
    assert t.is_alive() and "snapshot" not in warm._result  # nobody listening yet: still waiting
    srv.listen()
    try:
        t.join(120)
        assert not t.is_alive() and "snapshot" in warm._result
    finally:
        srv.close()


def test_without_start_nothing_is_precomputed(warm):
    assert warm.take(get_settings().data_dir, 0.0) is None
    assert warm.precomputed("map", "x", ()) is None
