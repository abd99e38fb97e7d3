"""A contact address: how a customer reached us when the front end does not know
who they are. One string, scheme first, as URIs name them:

- ``tel:+15551234567`` (a caller's number; spaces, dashes and brackets are ignored),
- ``mailto:ann@example.com`` (case is ignored),
- ``social:twitter:@ann`` (the network, then the handle; case is ignored).

omniroute resolves it to the customer id through its identity index (hashed keys)
and never puts it in a log line, a metric label or a Kafka key.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

__all__ = ["AddressKind", "ContactAddress"]

AddressKind = Literal["tel", "mailto", "social"]

ContactAddress = Annotated[
    str,
    StringConstraints(
        min_length=7, max_length=330, pattern=r"^(tel|mailto|social):\S[^\n\r]{2,319}$"
    ),
]
