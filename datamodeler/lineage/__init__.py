"""Lineage from SQL: statement fingerprints, sqlglot parse + qualify against the catalog, one scope walk.

    fingerprint.py   normalise and fingerprint statements (tokenizer only)
    catalog.py       the crawled catalog as a case-folded sqlglot schema
    extract.py       one statement -> tables read/written, column edges, joins, usage (or a failure)
    trace.py         the scope walk behind extract.py
"""
