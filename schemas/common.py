"""Shapes shared by every resource: problems, pagination."""

from marshmallow import Schema, fields, validate

MAX_PAGE_SIZE = 100
MAX_ID = 2**63 - 1  # ids are 64-bit columns on both databases
MAX_QUERY_LENGTH = 200
MAX_NAME_LENGTH = 64  # a roster name, after normalisation (service.names enforces it)


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )


def page_schema(item_schema: type[Schema], name: str, **extra: type[Schema]) -> type[Schema]:
    """The list envelope {"items", "total", "page", "page_size"} around `item_schema`,
    plus any `extra` nested objects (e.g. facets)."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
            **{key: fields.Nested(schema) for key, schema in extra.items()},
        },
        name=name,
    )


def query_text(**kwargs) -> fields.String:
    """A free-text search parameter, bounded so no query is unreasonably long."""
    return fields.String(validate=validate.Length(min=1, max=MAX_QUERY_LENGTH), **kwargs)


def resource_id(**kwargs) -> fields.Integer:
    """An id in a body or filter: positive and within a 64-bit column."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)
