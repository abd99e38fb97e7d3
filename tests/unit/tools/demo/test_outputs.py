"""The demo counts a dead letter as its own when the original carries the run's id,
or, for a letter written without its original (past the router's dead-letter
budget), when its SHA-256 is that of an event the run sent."""

from __future__ import annotations

import hashlib

from omniroute.router.tools.demo import SentDigests


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def test_a_letter_without_its_original_is_the_runs_when_its_digest_was_sent() -> None:
    sent: list[bytes] = [b'{"id": "run1-0"}', b"not json run1"]
    digests = SentDigests(sent)
    assert _sha(b"not json run1") in digests
    assert _sha(b"not json run2") not in digests  # another run's event
    assert None not in digests  # a letter from before digests were written
    # Events sent after the first look are found too: the run is still sending.
    sent.append(b'{"bad_version": 9}')
    assert _sha(b'{"bad_version": 9}') in digests
    assert _sha(b'{"id": "run1-0"}') in digests
