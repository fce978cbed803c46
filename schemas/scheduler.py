"""Scheduler status shapes."""

from marshmallow import Schema, fields


class SchedulerInstanceSchema(Schema):
    id = fields.String()
    host = fields.String()
    pid = fields.Integer()
    role = fields.String(metadata={"description": "leader or standby"})
    is_alive = fields.Boolean(metadata={"description": "heartbeat within the last 10 seconds"})
    started_at = fields.AwareDateTime()
    heartbeat_at = fields.AwareDateTime()
    last_run_at = fields.AwareDateTime(allow_none=True)
    lag_seconds = fields.Float(allow_none=True)
    transitions_written = fields.Integer()


class TransitionSchema(Schema):
    notice_id = fields.Integer()
    action = fields.String()
    due_at = fields.AwareDateTime()


class SchedulerStatusSchema(Schema):
    leader = fields.String(allow_none=True)
    instances = fields.List(fields.Nested(SchedulerInstanceSchema))
    next_transitions = fields.List(fields.Nested(TransitionSchema))
    overdue = fields.Integer(metadata={"description": "transitions due but not yet written"})
