"""Interchange formats: reading and writing other tools' network files (NIR)."""
