"""Entry point: settings are read once here and passed down explicitly.

Each command group is imported when its command runs, not before: a worker
(``omniroute worker router``) loads its stage, the runtime and the pure packages,
never the tools, the simulator or the plotting stack. ``--help`` loads them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    # typer vendors click: these are the classes TyperGroup's methods take and give.
    from typer._click import Command, Context

__all__ = ["app", "main"]

# name -> (module in this package, attribute): a typer app (a command group) or a
# function (one command). The order is the order ``--help`` lists them in.
_COMMANDS: dict[str, tuple[str, str]] = {
    "stack": ("._stack", "stack_app"),
    "schema": ("._schema", "schema_app"),
    "worker": ("._worker", "worker_app"),
    "bench": ("._bench", "bench_app"),
    "policy": ("._policy", "policy_app"),
    "deploy": ("._deploy", "deploy_app"),
    "sim": ("._sim", "sim_app"),
    "seed": ("._demo", "seed"),
    "traffic": ("._demo", "traffic"),
    "demo": ("._demo", "demo"),
    "replay": ("._replay", "replay_command"),
    "top": ("._top", "top"),
    "report": ("._report", "report"),
    "identity": ("._identity", "identity_app"),
    "chaos": ("._chaos", "chaos"),
    "fuzz": ("._chaos", "fuzz"),
    "soak": ("._chaos", "soak"),
    "settings": ("._settings_show", "settings_command"),
}


def _load(name: str) -> Command:
    """The command ``name`` exactly as ``add_typer`` / ``command`` would register it."""
    module, attribute = _COMMANDS[name]
    target: typer.Typer | Callable[..., Any] = getattr(
        importlib.import_module(module, __package__), attribute
    )
    holder = typer.Typer(add_completion=False)
    holder.callback()(lambda: None)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    group = typer.main.get_command(holder)
    assert isinstance(group, TyperGroup)
    return group.commands[name]


class _LazyGroup(TyperGroup):
    """The top-level group: every command listed, each imported on first use."""

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in _COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            self.commands[cmd_name] = _load(cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="omniroute",
    cls=_LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _omniroute() -> None:
    """Kafka-native omnichannel interaction router for contact centers."""


def main() -> None:
    app()
