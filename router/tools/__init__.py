"""Tools around the runtime, never imported by it, one room per job, each with its
own small public face:

- ``harness``: the embedded stack, worker processes, simulated traffic, customers
  and agent desktops, /proc readings and percentiles: what the others stand on;
- ``bench``: ``omniroute bench``, the figures measured on this machine;
- ``demo``: ``omniroute demo`` and its planned floor;
- ``ops``: ``top``, ``replay`` and the dashboards;
- ``sim``: the discrete-event simulator (``omniroute sim``);
- ``chaos``: the fault harness (``omniroute chaos``, ``fuzz``, ``soak``).

Import a room (``from omniroute.router.tools.harness import EmbeddedStack``); this
package itself exports nothing, so importing one room loads only what it needs.
"""

__all__: list[str] = []
