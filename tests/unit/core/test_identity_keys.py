"""Contact addresses: one canonical spelling each, keyed by a peppered hash that
names no address."""

from __future__ import annotations

import pytest

from omniroute.router.core import address_key, canonical_address, provisional_customer_id

PEPPER = b"test-pepper"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("tel:+1 (555) 010-0199", "tel:0015550100199"),
        ("mailto:Ann.Lee@Example.COM", "mailto:ann.lee@example.com"),
        ("social:Twitter:@Ann", "social:twitter:ann"),
    ],
)
def test_spellings_of_one_address_share_a_key(one: str, other: str) -> None:
    assert canonical_address(one) == canonical_address(other)
    assert address_key(one, PEPPER) == address_key(other, PEPPER)
    assert provisional_customer_id(one, PEPPER) == provisional_customer_id(other, PEPPER)


def test_the_key_names_no_address_and_depends_on_the_pepper() -> None:
    key = address_key("tel:+15550100199", PEPPER)
    assert key.startswith("idx:tel:")
    assert "5550100199" not in key
    assert key != address_key("tel:+15550100199", b"another")


@pytest.mark.parametrize("bad", ["tel:+1", "tel:call-me", "mailto:nobody", "social:ann", "x:y"])
def test_what_is_not_an_address_is_refused_without_repeating_it(bad: str) -> None:
    with pytest.raises(ValueError, match=r"address|number") as raised:
        canonical_address(bad)
    assert bad.partition(":")[2] not in str(raised.value) or bad.endswith(":y")
