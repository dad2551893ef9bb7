from dashboard.filters import Filters


def test_round_trip_and_defaults():
    f = Filters(states=("AZ",), at="2023-12-20", start="2023-01", end="2024-06", crossing="az-lukeville")
    q = f.to_query()
    assert q == {"state": "AZ", "crossing": "az-lukeville", "from": "2023-01", "to": "2024-06", "at": "2023-12-20"}
    assert Filters.from_query(q) == f
    assert Filters().to_query() == {}


def test_repeated_and_comma_params_and_bad_values():
    f = Filters.from_query({"state": ["az", "TX"], "mode": "rail,boat", "from": "2024-13", "at": "soon"})
    assert f.states == ("AZ", "TX")
    assert f.modes == ("rail",)
    assert f.start is None and f.at is None
    assert any("boat" in w for w in f.warnings)
    assert any("from=2024-13" in w for w in f.warnings)
    assert any("at=soon" in w for w in f.warnings)


def test_ports_round_trip_and_bad_ports():
    f = Filters.from_query({"port": "2602,2604,2608"})
    assert f.ports == ("2602", "2604", "2608")
    assert f.to_query() == {"port": "2602,2604,2608"}
    g = Filters.from_query({"port": "2602,abc,12345"})
    assert g.ports == ("2602",)
    assert any("port=abc,12345" in w for w in g.warnings)
