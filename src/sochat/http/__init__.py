"""The HTTP edge: wire formats and headers. Routes hand plain values to the agents and never touch SQL."""
