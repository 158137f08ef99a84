"""marshmallow schemas for every body the API reads and writes."""
