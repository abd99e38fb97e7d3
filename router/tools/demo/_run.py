"""``omniroute demo``: a private embedded stack, seeded customers, a router worker,
simulated traffic, and a summary of what was decided. Tears down what it started."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from omniroute.router.policy import default_policy
from omniroute.router.runtime import KafkaSettings, RedisSettings, Settings
from omniroute.router.stages.insight import INSIGHT_INPUTS
from omniroute.router.tools.harness import (
    AgentFloor,
    EmbeddedStack,
    FloorReport,
    PublishReport,
    StackError,
    TrafficGenerator,
    WorkerProcess,
    floor_agents,
    free_port,
    group_caught_up,
    percentile,
    publish_traffic,
    seed_customers,
    stop_workers,
)
from omniroute.router.tools.ops import record_jsonl
from omniroute.router.tools.report import (
    InsightFigures,
    print_report,
    read_figures,
    write_chart,
    write_csv,
)
from omniroute.schemas import Channel, ContactTarget, topic

from ._cores import CoreMeter, print_cores
from ._floor_plan import DEFAULT_SCENARIO, FloorPlan
from ._floor_report import (
    FloorComparison,
    compare_floor,
    demo_plan,
    print_comparison,
    print_staffing,
)
from ._outputs import OutputCollector, RunOutputs
from ._planned_floor import ScaledFloor

__all__ = ["DemoOptions", "DemoResult", "run_demo"]

_TRAFFIC_LINGER_MS = 25
"""The traffic's batches: fewer, larger ones than kafka-python's few milliseconds
(the embedded broker pays per stored batch on every fetch), and short enough that
event -> decision latency, measured from the send, stays the router's."""
_INTERACTIONS = topic("omniroute.interactions").name


@dataclass(frozen=True, slots=True)
class DemoOptions:
    customers: int = 20_000
    events: int = 1_250
    rate: float = 25.0
    bad_share: float = 0.02
    seed: int = 11
    timeout: float = 120.0
    agents: int = 300
    """Agents of the toy floor (``scenario=None``); a real floor is staffed by Erlang C."""
    state_dir: Path = Path(".omniroute/demo")
    record_dir: Path | None = None
    scenario: Path | None = DEFAULT_SCENARIO
    """Handle, answer and patience times of the floor; ``None``: the old toy floor."""
    compression: float = 20.0
    """Floor seconds per wall second."""
    service_level: float = 0.8
    """What Erlang C staffs each (pool, channel) for, within the policy's target."""
    compare: bool = False
    """Replay the demo's contacts in the simulator and print both service levels."""


@dataclass(frozen=True, slots=True)
class DemoResult:
    outputs: RunOutputs
    comparison: FloorComparison | None = None
    insight: InsightFigures | None = None
    """What ``omniroute report`` reads after the run: contacts, cost, feedback."""


def _insight_report(console: Console, settings: Settings, out: Path) -> InsightFigures:
    """The insight stage's figures once it has caught up, printed as ``omniroute
    report`` prints them, with its CSV and PNG: the demo's cost figures are the
    report's (per contact), not a sum over decisions. Caught up: the router has read
    every interaction (the floor's last ends too), then the insight group has
    committed all it reads, each to the end (30 s at most). Two reads of the figures
    1.5 s apart that agreed had stood for that, and agreed too soon whenever the
    insight worker was slower than that between two batches."""
    bootstrap = settings.kafka.bootstrap_servers
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _insight_caught_up(settings):
        time.sleep(0.2)
    figures = read_figures(bootstrap, settings.insight.changelog_topic)
    print_report(console, figures)
    csv_path, png_path = (
        write_csv(out / "insight.csv", figures),
        write_chart(out / "insight.png", figures),
    )
    console.print(f"report: {csv_path}, {png_path} (on a running stack: omniroute report)")
    return figures


def _insight_caught_up(settings: Settings) -> bool:
    bootstrap = settings.kafka.bootstrap_servers
    return group_caught_up(bootstrap, settings.router.group_id, [_INTERACTIONS]) and (
        group_caught_up(bootstrap, settings.insight.group_id, INSIGHT_INPUTS)
    )


def _private_settings(options: DemoOptions) -> Settings:
    return Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", partitions=6),
        redis=RedisSettings(port=free_port()),
        state_dir=options.state_dir,
        metrics_port=free_port(),
    )


def _plan(options: DemoOptions) -> FloorPlan | None:
    if options.scenario is None:
        return None
    return demo_plan(
        options.scenario,
        default_policy(),
        customers=options.customers,
        events=options.events,
        traffic_seed=options.seed,
        bad_share=options.bad_share,
        events_per_second=options.rate,
        compression=options.compression,
        service_level=options.service_level,
    )


def run_demo(options: DemoOptions, console: Console) -> DemoResult:  # noqa: PLR0915
    plan = _plan(options)  # before the stack: a bad scenario file fails fast
    settings = _private_settings(options)
    stack = EmbeddedStack(settings)
    console.print(
        f"[bold]stack[/]: broker {settings.kafka.bootstrap_servers}, "
        f"redis :{settings.redis.port}, metrics :{settings.metrics_port}"
    )
    stack.up()
    worker = WorkerProcess("router", settings)
    assigner = WorkerProcess("assigner", settings.model_copy(update={"metrics_port": free_port()}))
    insight = WorkerProcess("insight", settings.model_copy(update={"metrics_port": free_port()}))
    floor: AgentFloor | None = None
    try:
        started = time.perf_counter()
        seeded = seed_customers(settings, options.customers)
        console.print(
            f"[bold]seeded[/] {seeded} customers in {time.perf_counter() - started:.1f} s"
        )
        worker.start()
        assigner.start()
        insight.start()
        run_id = f"run{uuid.uuid4().hex[:8]}"
        generator = TrafficGenerator(
            options.customers,
            seed=options.seed,
            bad_share=options.bad_share,
            run_id=run_id,
            customer_exits=plan is None,
        )
        sent_at: dict[str, float] = {}
        sent: list[bytes] = []
        collector = OutputCollector(settings.kafka.bootstrap_servers, run_id, sent_at, sent).start()
        # One probe contact sent at once measures start-up: worker start -> first decision.
        publish_traffic(
            settings.kafka.bootstrap_servers,
            generator.arrival,
            count=1,
            rate=0,
            sent_at=sent_at,
            record=sent,
        )
        if not collector.wait_for(1, 0, options.timeout):
            raise StackError(f"the router made no decision; see {worker.log_path}")
        first_decision = (collector.outputs.first_decision_at or 0.0) - worker.started_at
        worker.wait_ready()
        assigner.wait_ready()
        if plan is None:
            # A few care contacts turn out technical: handed to the tech pool (cold).
            floor = AgentFloor(
                settings.kafka.bootstrap_servers,
                floor_agents(options.agents, run_id),
                transfer_share=0.03,
                front_end=True,
            ).start()
        else:
            print_staffing(console, plan, options.service_level)
            floor = ScaledFloor(settings.kafka.bootstrap_servers, plan, run_id).start()
        pids = {status.name: status.pid for status in stack.status()}
        meter = CoreMeter.for_demo(
            {
                "router worker": worker.pid,
                "assigner worker": assigner.pid,
                "insight worker": insight.pid,
                "broker (embedded)": pids.get("kafka"),
                "redis": pids.get("redis"),
            },
            floor.thread_id,
        ).start()
        with Progress(
            TextColumn("[bold]traffic"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("traffic", total=options.events)
            report = publish_traffic(
                settings.kafka.bootstrap_servers,
                generator.next,
                count=options.events,
                rate=options.rate,
                on_progress=lambda n: progress.advance(task, n),
                sent_at=sent_at,
                record=sent,
                linger_ms=_TRAFFIC_LINGER_MS,
            )
        cores = meter.stop()
        report.routable += 1  # the probe
        complete = collector.wait_for(report.routable, report.bad, options.timeout)
        outputs = collector.stop()
        _drain(floor, console)
        floor_report = floor.stop()
        comparison = None
        if isinstance(floor, ScaledFloor) and options.compare:
            comparison = compare_floor(floor.plan, floor.runs.values(), floor.elapsed(), floor.hops)
        floor = None
        if not complete:
            console.print(f"[yellow]timed out[/] waiting for outputs; see {worker.log_path}")
        _print_summary(console, report, outputs, first_decision)
        print_cores(console, cores)
        _print_assignment(console, floor_report, plan, options.agents)
        figures = _insight_report(console, settings, options.state_dir / "report")
        if comparison is not None:
            print_comparison(console, comparison)
        if options.record_dir is not None:
            record_jsonl(options.record_dir / "interactions.jsonl", sent)
            record_jsonl(options.record_dir / "decisions.jsonl", outputs.raw_decisions)
            console.print(
                f"recorded {len(sent)} events and {len(outputs.raw_decisions)} decisions in "
                f"{options.record_dir} (replay: omniroute replay --events "
                f"{options.record_dir}/interactions.jsonl --decisions "
                f"{options.record_dir}/decisions.jsonl --policy NEW.yaml)"
            )
        return DemoResult(outputs, comparison, figures)
    finally:
        if floor is not None:
            floor.stop()
        stop_workers([insight, assigner, worker])
        stack.down()


def _print_summary(
    console: Console, report: PublishReport, outputs: RunOutputs, first_decision: float
) -> None:
    targets = list(ContactTarget)
    table = Table(title="Decisions by channel and target", show_footer=True)
    table.add_column("channel", footer="total")
    totals = {
        t: sum(n for (_, tg), n in outputs.by_channel_target.items() if tg == t) for t in targets
    }
    for target in targets:
        table.add_column(target.value, justify="right", footer=str(totals[target]))
    table.add_column("total", justify="right", footer=str(outputs.decisions))
    for channel in Channel:
        row = [outputs.by_channel_target.get((channel.value, t.value), 0) for t in targets]
        table.add_row(channel.value, *map(str, row), str(sum(row)))
    console.print(table)

    dead = Table(title="Dead letters by reason")
    dead.add_column("reason")
    dead.add_column("count", justify="right")
    for reason, n in sorted(outputs.dead_by_reason.items()):
        dead.add_row(reason, str(n))
    dead.add_row("[bold]total", f"[bold]{outputs.dead_letters}")
    console.print(dead)

    lat = sorted(outputs.latencies)
    figures = Table(title="Run", show_header=False)
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    for name, value in (
        ("events sent", f"{sum(report.kinds.values())} in {report.seconds:.1f} s"),
        ("  of which malformed", str(report.bad)),
        ("decisions expected / received", f"{report.routable} / {outputs.decisions}"),
        ("dead letters expected / received", f"{report.bad} / {outputs.dead_letters}"),
        ("duplicate decisions", str(outputs.duplicates)),
        ("event->decision p50", f"{percentile(lat, 0.5) * 1000:.1f} ms"),
        ("event->decision p99", f"{percentile(lat, 0.99) * 1000:.1f} ms"),
        ("worker start -> first decision", f"{first_decision:.1f} s"),
    ):
        figures.add_row(name, value)
    console.print(figures)


def _drain(floor: AgentFloor, console: Console, idle: float = 4.0, limit: float = 90.0) -> None:
    """Let the agents work through what is queued: until nothing is assigned for a while."""
    started = last_change = time.monotonic()
    seen = -1
    with console.status("[bold]agents working through the queues"):
        while time.monotonic() - started < limit and time.monotonic() - last_change < idle:
            if floor.report.assigned != seen:
                seen, last_change = floor.report.assigned, time.monotonic()
            time.sleep(0.2)


def _print_assignment(
    console: Console, report: FloorReport, plan: FloorPlan | None, agents: int
) -> None:
    targets = default_policy().spec.service_targets
    title = f"Assignment ({agents} simulated agents, toy handle times)"
    if plan is not None:
        title = (
            f"Assignment ({plan.agent_count} agents; {plan.scenario.name} times at "
            f"{plan.compression:g}x compression: 1 s = {plan.compression:g} floor s; "
            "waits in floor seconds)"
        )
    table = Table(title=title)
    for name in ("channel", "assigned", "wait p50", "wait p90", "perceived p90", "in target"):
        table.add_column(name, justify="left" if name == "channel" else "right")
    for channel in Channel:
        waits = sorted(report.waits.get(channel.value, []))
        if not waits:
            continue
        perceived = sorted(report.perceived.get(channel.value, []))
        within = sum(w <= targets.of(channel) for w in waits) / len(waits)
        table.add_row(
            channel.value,
            str(len(waits)),
            f"{percentile(waits, 0.5):.1f} s",
            f"{percentile(waits, 0.9):.1f} s",
            f"{percentile(perceived, 0.9):.1f} s",
            f"{within:.0%} of {targets.of(channel):.0f} s",
        )
    console.print(table)
    revoked = ", ".join(f"{why} {n}" for why, n in sorted(report.revoked.items())) or "none"
    console.print(
        f"offers {report.offers}: accepted {report.accepted}, rejected {report.rejected}, "
        f"assigned {report.assigned}; revoked: {revoked}; agents paused: {report.paused}; "
        f"transferred to technical: {report.transferred}"
    )
    if report.queued:
        console.print(
            f"customers queued {report.queued}: abandoned {report.abandoned} "
            f"({report.abandoned / report.queued:.1%}) when their patience ran out"
        )
