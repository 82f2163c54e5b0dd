"""A traffic simulator: realistic cinema-site traffic through real HTTP, with a summary."""
