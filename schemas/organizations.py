"""Organisation shapes: the issuers of notices and sources of articles."""

from marshmallow import Schema, fields, validate

from .common import PageArgsSchema, Text, Visible, query_text
from .notices import ContactInputSchema, ContactSchema, NoticeSchema


class OrganizationFieldsSchema(Schema):
    name = Text(validate=[validate.Length(min=1, max=200), Visible()],
                metadata={"description": "Its Chinese name, as printed",
                          "example": "示例市新闻出版局"})
    uscc = Text(allow_none=True, validate=validate.Length(min=1, max=32), metadata={
        "description": "统一社会信用代码 (unified social credit code), 18 characters; its check "
                       "character is verified", "example": "91110000600037341L"})
    region = Text(allow_none=True, validate=validate.Length(min=1, max=64),
                  metadata={"example": "北京市"})
    contacts = fields.List(fields.Nested(ContactInputSchema), validate=validate.Length(max=20))


class OrganizationCreateSchema(OrganizationFieldsSchema):
    def on_bind_field(self, field_name, field_obj):
        # marshmallow's hook on each instance's copy of a field: the fields stay declared once.
        field_obj.required = field_name == "name" or field_obj.required


class OrganizationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    uscc = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    contacts = fields.List(fields.Nested(ContactSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class OrganizationQueryArgsSchema(PageArgsSchema):
    q = query_text(metadata={"description": "Part of the name"})


class OrganizationDetailSchema(OrganizationSchema):
    open_notices = fields.List(fields.Nested(NoticeSchema), metadata={
        "description": "Its notices open now, the next to close first"})
    recent_notices = fields.List(fields.Nested(NoticeSchema), metadata={
        "description": "Its latest published notices (at most 20), newest first"})
