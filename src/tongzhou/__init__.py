"""Tongzhou (同舟): the Global AI Governance Action Plan as software."""

__version__ = "0.1.0"
