"""omniroute."""
