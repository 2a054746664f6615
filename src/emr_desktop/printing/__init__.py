"""Printed documents (reportlab): PDF bytes built in memory, never a plaintext file on disk."""
