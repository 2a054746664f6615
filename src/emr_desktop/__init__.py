"""EMR Desktop: an offline-first clinical workstation for Vietnamese district hospitals."""

__version__ = "0.1.0"
