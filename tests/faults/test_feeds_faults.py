"""Broken or unbelievable CBP payloads, served on 127.0.0.1: `borderwatch refresh` keeps the good snapshot
byte-identical, `borderwatch status --source URL` refuses; both with one line and exit 1."""
from __future__ import annotations

import json

import pytest

from tests.faults import helpers


def _doc(mutate):
    def build():
        d = helpers.cbp_doc()
        mutate(d)
        return json.dumps(d).encode()
    return build


def _ours(d):
    return [c for c in d if c["border"] == "Mexican Border"]


def _set_lane(field, value, group="passenger_vehicle_lanes", lane="standard_lanes", which=0):
    def m(d):
        c = [c for c in _ours(d) if isinstance(c.get(group), dict) and isinstance(c[group].get(lane), dict)][which]
        c[group][lane]["operational_status"] = "delay"
        c[group][lane][field] = value
    return m


def _dup_conflict(d):
    c = dict(_ours(d)[0])
    c["port_status"] = "Closed" if c["port_status"] == "Open" else "Open"
    d.append(c)


def _dup_lane_conflict(d):
    c = json.loads(json.dumps(_ours(d)[0]))
    lanes = c["passenger_vehicle_lanes"]["standard_lanes"]
    lanes["operational_status"], lanes["delay_minutes"] = "delay", "95"
    d.append(c)


def _deep(n=100_000):
    return lambda: b"[" * n + b"]" * n


def _deep_obj(n=50_000):
    return lambda: b'{"a":' * n + b"1" + b"}" * n


def _no_lanes(d):
    for c in d:
        for k in ("passenger_vehicle_lanes", "pedestrian_lanes", "commercial_vehicle_lanes"):
            c.pop(k, None)


def _all_lanes_empty(d):
    for c in d:
        for k in ("passenger_vehicle_lanes", "pedestrian_lanes", "commercial_vehicle_lanes"):
            c[k] = ""


CASES = [
    # (id, payload, text the one line must contain)
    ("canadian-only", _doc(lambda d: d.__setitem__(slice(None), [c for c in d if c["border"] != "Mexican Border"])),
     "no texas, arizona, california crossing"),
    ("no-lane-groups", _doc(_no_lanes), "no lane readings"),
    ("empty-lane-groups", _doc(_all_lanes_empty), "no lane readings"),
    ("one-port", _doc(lambda d: d.__setitem__(slice(None), _ours(d)[:1])), "only 1"),
    ("three-ports", _doc(lambda d: d.__setitem__(slice(None), _ours(d)[:3])), "only 3"),
    ("half-minus-one", _doc(lambda d: d.__setitem__(slice(None), _ours(d)[:15])), "the last good data has"),
    ("duplicate-port-status-conflict", _doc(_dup_conflict), "different port_status"),
    ("duplicate-lane-conflict", _doc(_dup_lane_conflict), "different readings"),
    ("delay-99999", _doc(_set_lane("delay_minutes", "99999")), "not believable"),
    ("delay-superscript-two", _doc(_set_lane("delay_minutes", "²")), "not minutes"),
    ("delay-arabic-indic", _doc(_set_lane("delay_minutes", "٣٠")), "not minutes"),
    ("delay-huge-int", _doc(_set_lane("delay_minutes", "9" * 400)), "not minutes"),
    ("delay-json-huge-number", lambda: json.dumps(helpers.cbp_doc()).replace('"delay_minutes": "0"',
                                                                             '"delay_minutes": 1' + "0" * 400, 1).encode(),
     "not minutes"),
    ("delay-negative", _doc(_set_lane("delay_minutes", "-5")), "not minutes"),
    ("delay-float", _doc(_set_lane("delay_minutes", "2.5")), "not minutes"),
    ("delay-nan-text", _doc(_set_lane("delay_minutes", "NaN")), "not minutes"),
    ("lanes-open-superscript", _doc(_set_lane("lanes_open", "³")), "not a whole number"),
    ("lanes-open-500", _doc(_set_lane("lanes_open", "500")), "not believable"),
    ("lanes-open-fullwidth", _doc(_set_lane("lanes_open", "１２")), "not a whole number"),
    ("port-status-garbage", _doc(lambda d: _ours(d)[0].__setitem__("port_status", "Sorta")), "neither 'open' nor"),
    ("port-status-link", _doc(lambda d: _ours(d)[0].__setitem__("port_status", "[Sign in](https://evil.example)")),
     "neither 'open' nor"),
    ("port-number-missing", _doc(lambda d: _ours(d)[0].pop("port_number")), "required field 'port_number'"),
    ("date-garbage", _doc(lambda d: _ours(d)[0].__setitem__("date", "yesterday")), "not m/d/yyyy"),
    ("date-arabic-digits", _doc(lambda d: _ours(d)[0].__setitem__("date", "٦/٢٩/٢٠٢٢")), "not m/d/yyyy"),
    ("date-impossible", _doc(lambda d: _ours(d)[0].__setitem__("date", "2/31/2022")), "day is out of range"),
    ("time-garbage", _doc(lambda d: _ours(d)[0].__setitem__("time", "25:99:00x")), "not hh:mm:ss"),
    ("update-time-garbage", _doc(_set_lane("update_time", "At teatime")), "not like 'at 10:00 am pdt'"),
    ("lane-group-is-list", _doc(lambda d: _ours(d)[0].__setitem__("passenger_vehicle_lanes", [1, 2])), "not an object"),
    ("crossing-is-string", lambda: json.dumps(["x"] + helpers.cbp_doc()).encode(), "not an object"),
    ("empty-array", lambda: b"[]", "lists no crossings"),
    ("object-not-array", lambda: b'{"error": "rate limited"}', "expected a json array"),
    ("json-null", lambda: b"null", "expected a json array"),
    ("json-number", lambda: b"12", "expected a json array"),
    ("truncated-json", lambda: helpers.CBP_CAPTURE.read_bytes()[:5000], "not valid json"),
    ("html-200", lambda: b"<!doctype html><html><body>Maintenance</body></html>", "not valid"),
    ("empty-body", lambda: b"", "not valid"),
    ("binary-body", lambda: bytes(range(256)) * 40, "not valid"),
    ("latin1-body", lambda: helpers.CBP_CAPTURE.read_bytes().replace(b"San Ysidro", b"San Ysidr\xf3", 1), "not valid"),
    ("deep-array", _deep(), "nested too deeply"),
    ("deep-object", _deep_obj(), "nested too deeply"),
    ("xml-deep", lambda: b"<border_wait_time><port>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</port></border_wait_time>",
     "nested too deeply"),
    ("xml-billion-laughs", lambda: (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                                    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                                               for i in range(1, 10))
                                    + b']><border_wait_time><port><port_number>&lol9;</port_number></port></border_wait_time>'),
     "xml"),
    ("xml-external-entity", lambda: (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                     b"<border_wait_time><port><port_number>&x;</port_number></port></border_wait_time>"),
     "xml"),
    ("xml-no-ports", lambda: b"<border_wait_time><nothing/></border_wait_time>", "no <port> elements"),
]


@pytest.fixture(scope="module")
def urls(server):
    return {cid: server.add_body(build(), name=cid) for cid, build, _ in CASES}


@pytest.mark.parametrize("cid,needle", [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_refresh_refuses_and_keeps_the_snapshot(cid, needle, urls, env, refused):
    env.set(CBP_JSON_URL=urls[cid], CBP_XML_URL=urls[cid])
    line = refused(["refresh", "--skip", "bts"], needle)
    assert "nothing refreshed" in line and "previous snapshot is unchanged" in line


#: Payloads that are readable and believable on their own, refused only because they would replace more.
COMPARATIVE = {"one-port", "three-ports", "half-minus-one"}


@pytest.mark.parametrize("cid,needle", [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_status_live_refuses_the_payload(cid, needle, urls, env, refused):
    env.set(CBP_JSON_URL=urls[cid], CBP_XML_URL=urls[cid])
    line = refused(["status", "--source", "live"], needle)
    assert urls[cid] in line


@pytest.mark.parametrize("cid,needle", [(c[0], c[2]) for c in CASES if c[0] not in COMPARATIVE],
                         ids=[c[0] for c in CASES if c[0] not in COMPARATIVE])
def test_status_url_refuses_the_payload(cid, needle, urls, env, refused):
    line = refused(["status", "--source", urls[cid]], needle)
    assert urls[cid] in line


@pytest.mark.parametrize("cid", sorted(COMPARATIVE))
def test_a_small_feed_named_explicitly_is_shown(cid, urls, env, cli):
    """A user who names a one-port payload gets it (nothing is replaced): exit 0."""
    code, out, err = cli("status", "--source", urls[cid], "--format", "csv")
    assert code == 0 and out.count("\n") > 3, err
