"""Contact addresses (``tel:``, ``mailto:``, ``social:``) in one canonical form and
the keys of the identity index, pure.

The index keeps only what a lookup needs: a keyed hash (HMAC-SHA256 with a secret
pepper from the settings) of the canonical address. An index copied out of Redis
names no number or address, and without the pepper even a phone number's small
space cannot be walked to reverse it.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["address_key", "canonical_address", "provisional_customer_id"]

_PHONE_NOISE = str.maketrans("", "", " -().")


def canonical_address(address: str) -> str:
    """One spelling per address: ``tel:`` keeps ``+`` and digits (``00`` becomes
    ``+``), ``mailto:`` and ``social:`` are case-folded. ValueError if nothing of
    an address is left (the message never repeats it)."""
    scheme, _, value = address.partition(":")
    if scheme == "tel":
        number = value.translate(_PHONE_NOISE)
        if number.startswith("00"):
            number = "+" + number[2:]
        digits = number[1:] if number.startswith("+") else number
        if len(digits) < 3 or not digits.isdigit():
            raise ValueError("tel: address is not a phone number")
        return f"tel:{number}"
    if scheme == "mailto":
        local, at, domain = value.strip().partition("@")
        if not (local and at and domain):
            raise ValueError("mailto: address has no local part or domain")
        return f"mailto:{value.strip().casefold()}"
    if scheme == "social":
        network, colon, handle = value.strip().partition(":")
        if not (network and colon and handle.lstrip("@")):
            raise ValueError("social: address must be network:handle")
        return f"social:{network.casefold()}:@{handle.lstrip('@').casefold()}"
    raise ValueError("address scheme must be tel:, mailto: or social:")


def _digest(canonical: str, pepper: bytes) -> str:
    return hmac.new(pepper, canonical.encode(), hashlib.sha256).hexdigest()


def address_key(address: str, pepper: bytes) -> str:
    """The Redis key of ``address`` in the identity index: ``idx:<scheme>:<hmac>``."""
    canonical = canonical_address(address)
    return f"idx:{canonical.partition(':')[0]}:{_digest(canonical, pepper)}"


def provisional_customer_id(address: str, pepper: bytes) -> str:
    """The customer id a first-time address gets: derived from its hash, so two
    workers minting at once mint the same one."""
    return f"c-{_digest(canonical_address(address), pepper)[:24]}"
