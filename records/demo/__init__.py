"""Demo content for ``manage.py load_demo``: data files, a document generator and a loader."""
