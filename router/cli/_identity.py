"""``omniroute identity``: keep the identity index (phone number, e-mail address,
social handle -> customer id) by hand or from a CRM export. Addresses are read
from the command line or a file and stored only as keyed hashes; nothing here
prints one back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from ._common import console, load_settings

__all__ = ["identity_app"]

identity_app = typer.Typer(help="The identity index: contact addresses -> customer ids.")
T = TypeVar("T")


def _with_index(work: Callable[..., Awaitable[T]]) -> T:
    from omniroute.router.stages.routing import IdentityIndex, connect_redis  # noqa: PLC0415

    settings = load_settings()

    async def run() -> T:
        client = connect_redis(settings.redis)
        try:
            index = IdentityIndex(
                client,
                settings.router.identity_pepper.get_secret_value().encode(),
                timeout=settings.redis.timeout_seconds,
            )
            return await work(index)
        finally:
            await client.aclose()

    return asyncio.run(run())


def _checked(addresses: list[str]) -> list[str]:
    from omniroute.router.core import canonical_address  # noqa: PLC0415

    for n, address in enumerate(addresses, 1):
        try:
            canonical_address(address)
        except ValueError as error:
            console.print(f"[red]address {n}:[/] {error}")
            raise typer.Exit(2) from error
    return addresses


@identity_app.command()
def link(
    customer: Annotated[
        str | None, typer.Argument(help="The customer id the addresses name.")
    ] = None,
    address: Annotated[
        list[str] | None, typer.Argument(help="tel:+15551234567, mailto:..., social:net:@h")
    ] = None,
    file: Annotated[
        Path | None, typer.Option(help="A file of 'customer_id,address' lines (a CRM export).")
    ] = None,
) -> None:
    """Link addresses to a customer: their contacts on any channel reach one record."""
    if address and customer is None:
        console.print("[red]addresses need the customer id they name[/]")
        raise typer.Exit(2)
    pairs = [(a, customer or "") for a in _checked(list(address or []))]
    if file is not None:
        for line in file.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                cid, _, addr = line.strip().partition(",")
                pairs.append((_checked([addr])[0], cid))
    _with_index(lambda index: index.link(pairs))
    console.print(f"linked {len(pairs)} address(es)")


@identity_app.command()
def lookup(address: Annotated[str, typer.Argument(help="The address to resolve.")]) -> None:
    """The customer id an address resolves to (exit 1 if none)."""
    found = _with_index(lambda index: index.lookup(_checked([address])[0]))
    if found is None:
        console.print("not in the index")
        raise typer.Exit(1)
    typer.echo(found)


@identity_app.command()
def forget(address: Annotated[str, typer.Argument(help="The address to remove.")]) -> None:
    """Remove an address from the index (a customer's request, a number reassigned)."""
    removed = _with_index(lambda index: index.forget(_checked([address])[0]))
    console.print("removed" if removed else "was not in the index")
