"""omniroute's router: stream processing, the routing policy and the command line.

The public surface is small on purpose: the front-end SDK and the settings. The
stages themselves run as workers (``omniroute worker router``), not as a library.
"""

from ._frontend import FrontEndClient
from ._settings import Settings

__all__ = ["FrontEndClient", "Settings"]
