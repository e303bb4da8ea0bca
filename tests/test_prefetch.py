import pytest

from aucli.extract.prefetch import prefetched


def test_prefetch_keeps_order_and_stops_early():
    assert list(prefetched(iter(range(100)), 4)) == list(range(100))
    it = prefetched(iter(range(10**9)), 4)
    assert [next(it) for _ in range(3)] == [0, 1, 2]
    it.close()  # the producer thread stops instead of running on


def test_prefetch_reraises_producer_errors():
    def bad():
        yield 1
        raise ValueError("decoding failed near frame 2")

    it = prefetched(bad(), 2)
    assert next(it) == 1
    with pytest.raises(ValueError, match="frame 2"):
        next(it)
