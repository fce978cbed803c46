"""The machinery under the rules: database, clock, caches, tokens, rate limits, logs, metrics."""
