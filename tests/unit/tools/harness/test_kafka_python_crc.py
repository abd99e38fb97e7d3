"""kafka-python checksums every record batch it writes and reads with CRC-32C: in
pure Python (about 7 MB/s, a fifth of a core for the demo floor and its traffic at
1,000 events/s) unless the ``crc32c`` C extension is installed, which omniroute
depends on for the SDKs, the tools and the demo."""

from __future__ import annotations

from kafka.record import util


def test_kafka_python_computes_crc32c_in_c() -> None:
    assert util.crc32c_c is not None
    # The C and the pure-Python checksums agree (RFC 3720's check value).
    assert util.calc_crc32c(memoryview(b"123456789")) == 0xE3069283
    assert util.crc32c_py(memoryview(b"123456789")) == 0xE3069283
