"""Studylog's views, one module per kind of page."""
