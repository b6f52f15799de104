"""The HTTP edge: wire formats and headers. Handlers hand plain values to the agents (never to the store) and
turn what they answer, or the errors they raise, into responses."""
