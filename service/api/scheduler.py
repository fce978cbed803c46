"""What the scheduler processes are doing, for operators."""

from datetime import timedelta

from flask.views import MethodView

from schemas.scheduler import SchedulerStatusSchema
from service.api import Blueprint
from service.domain import transitions
from service.domain.models import SchedulerInstance
from service.infra.clock import utcnow

URL_PREFIX = "/api/v1/scheduler"
blp = Blueprint("scheduler", __name__, description="Scheduler leadership, lag and due transitions")
ALIVE_WITHIN = timedelta(seconds=10)
NEXT_SHOWN = 20


@blp.route("")
class SchedulerStatus(MethodView):
    @blp.staff("admin")
    @blp.response(200, SchedulerStatusSchema)
    def get(self):
        """Leader and standbys, the next due transitions and anything overdue"""
        now = utcnow()
        instances = [
            {**row, "is_alive": now - row["heartbeat_at"] <= ALIVE_WITHIN}
            for row in SchedulerInstance.select().order_by(SchedulerInstance.started_at).dicts()
        ]
        leader = next((i["id"] for i in instances if i["role"] == "leader" and i["is_alive"]),
                      None)
        upcoming = transitions.upcoming_transitions(now, now + timedelta(days=3660), NEXT_SHOWN)
        return {
            "leader": leader,
            "instances": instances,
            "next_transitions": [{"notice_id": n, "action": a, "due_at": d}
                                 for d, a, n in upcoming],
            "overdue": transitions.overdue_count(now),
        }
