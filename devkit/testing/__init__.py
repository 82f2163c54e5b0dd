"""Test and benchmark harness: real services started as processes."""
