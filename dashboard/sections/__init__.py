"""Sections of the page, one module each, called from app.py with a line or two."""
