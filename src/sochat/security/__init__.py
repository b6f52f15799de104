"""Secrets: password hashing and verification. Pure of HTTP and storage."""
