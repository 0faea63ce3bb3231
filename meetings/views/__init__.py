"""The meetings app's views, one module per part of the work (see meetings/urls.py)."""
