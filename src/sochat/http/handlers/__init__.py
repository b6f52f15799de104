"""Thin route handlers: decode the body, call the agent, render and encode the answer."""
