"""What every tool stands on: the embedded stack (broker + Redis), worker processes
started as an operator would, simulated traffic and customers (generated, seeded,
published), simulated agent desktops, and the measurements every tool reports
with (/proc readings, percentiles), each written once here."""

from ._agenda import Agenda
from ._agent_floor import AgentFloor, FloorReport, floor_agents
from ._groups import committed_offsets, group_caught_up
from ._lifetime import die_with_parent
from ._proc import command_line, cpu_seconds, process_state, rss_mb, thread_cpu_seconds
from ._publish import PublishReport, publish_traffic
from ._seeding import seed_customers
from ._stack import (
    EmbeddedStack,
    StackError,
    create_extra_topics,
    create_topics,
    free_port,
    port_open,
)
from ._stats import percentile
from ._traffic import SimulatedEvent, TrafficGenerator, generate_customers, past_contacts
from ._workers import WorkerProcess, stop_workers

__all__ = [
    "Agenda",
    "AgentFloor",
    "EmbeddedStack",
    "FloorReport",
    "PublishReport",
    "SimulatedEvent",
    "StackError",
    "TrafficGenerator",
    "WorkerProcess",
    "command_line",
    "committed_offsets",
    "cpu_seconds",
    "create_extra_topics",
    "create_topics",
    "die_with_parent",
    "floor_agents",
    "free_port",
    "generate_customers",
    "group_caught_up",
    "past_contacts",
    "percentile",
    "port_open",
    "process_state",
    "publish_traffic",
    "rss_mb",
    "seed_customers",
    "stop_workers",
    "thread_cpu_seconds",
]
