"""datamodeler: discover the data model hidden in a warehouse, verified against its queries and data."""

__version__ = "0.1.0"
