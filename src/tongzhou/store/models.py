"""Imports every module's table definitions so Alembic and tests see one metadata.

Each module adds one import line here when it declares tables.
"""
