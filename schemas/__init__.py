"""Request and response shapes, in plain marshmallow (no Flask, peewee or service imports)."""
