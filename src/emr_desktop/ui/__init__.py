"""The clinical workstation GUI (PySide6): the only package that imports Qt."""
