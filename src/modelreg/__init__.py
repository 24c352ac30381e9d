"""modelreg: a self-hostable model registry."""

__version__ = "0.1.0"

__all__ = ["__version__"]
