"""Entry point: settings are read once here and passed down explicitly."""

from __future__ import annotations

import typer

from ._bench import bench_app
from ._chaos import chaos, fuzz, soak
from ._demo import demo, seed, traffic
from ._deploy import deploy_app
from ._policy import policy_app
from ._replay import replay_command
from ._schema import schema_app
from ._sim import sim_app
from ._stack import stack_app
from ._top import top
from ._worker import worker_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="omniroute",
    help="Kafka-native omnichannel interaction router for contact centers.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(stack_app, name="stack")
app.add_typer(schema_app, name="schema")
app.add_typer(worker_app, name="worker")
app.add_typer(bench_app, name="bench")
app.add_typer(policy_app, name="policy")
app.add_typer(deploy_app, name="deploy")
app.add_typer(sim_app, name="sim")
app.command()(seed)
app.command()(traffic)
app.command()(demo)
app.command("replay")(replay_command)
app.command()(top)
app.command()(chaos)
app.command()(fuzz)
app.command()(soak)


def main() -> None:
    app()
