"""Discovery: infer keys, relationships and entities from the catalog, the query log and the data.

    profile -> keys -> proposers -> verifiers -> scoring -> ambiguity -> cardinality -> entities

``stages.py`` holds the scan stages; ``relationships.discover_relationships`` runs the middle part on any
``DataModel`` (no scan needed), with or without a source to check the data.
"""
