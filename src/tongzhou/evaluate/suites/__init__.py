"""Bundled test banks (JSONL data) and the intents they are built from."""
