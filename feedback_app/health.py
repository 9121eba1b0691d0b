"""``GET /healthz``: database, broker and worker status for load balancers and people."""
from flask import Blueprint, jsonify

from feedback_app.extensions import csrf, limiter
from feedback_app.services import system

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """Report whether the app can read and write its database and reach its broker (200 if so, 503 if not)."""
    healthy, report = system.health()
    return jsonify(report), 200 if healthy else 503
