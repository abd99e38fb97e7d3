"""The router's parse cache is bounded by records held, not by customers: a history
cache bounded by customers grew with every line they gained (soak: +52 MiB in 10
minutes; 50,000 customers at 20 lines would have been 1.4 GB)."""

from __future__ import annotations

from omniroute.router.stages.routing import ParsedCache


def test_the_bound_counts_records_and_the_oldest_entries_go_first() -> None:
    cache = ParsedCache[str](limit=10)
    for n in range(3):
        cache.put(f"c{n}", b"raw", f"parsed {n}", weight=4)

    assert (len(cache), cache.weight) == (2, 8)  # c0 went: 12 records > 10
    assert cache.get("c0", b"raw") is None
    assert cache.get("c2", b"raw") == "parsed 2"


def test_a_customer_whose_history_grows_is_weighed_again_not_twice() -> None:
    cache = ParsedCache[str](limit=10)
    cache.put("c1", b"v1", "one line", weight=1)
    cache.put("c2", b"v1", "three lines", weight=3)
    cache.put("c1", b"v2", "six lines", weight=6)

    assert (len(cache), cache.weight) == (2, 9)
    assert cache.get("c1", b"v1") is None  # other bytes: a miss, never a stale parse
    assert cache.get("c1", b"v2") == "six lines"


def test_one_entry_over_the_bound_is_kept_alone() -> None:
    cache = ParsedCache[str](limit=5)
    cache.put("c1", b"raw", "small", weight=2)
    cache.put("big", b"raw", "twenty lines", weight=20)

    assert (len(cache), cache.weight) == (1, 20)
    assert cache.get("big", b"raw") == "twenty lines"
