"""The ``modelreg`` command line."""
