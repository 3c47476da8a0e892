"""Test harness for the notebook widgets' JavaScript: a static page, its server, a small stack."""
