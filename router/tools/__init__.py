"""Tools on top of the router (simulation, ...): never imported by the runtime."""
