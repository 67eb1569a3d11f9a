from flask import Blueprint, request

bp = Blueprint("feedback", __name__, cli_group=None)  # `flask send-alerts`


def _limit_uploads() -> None:
    """Photos are posted with the feedback form: cap its body, and only its body. This must
    run before CSRF protection reads the form, hence first among the app's hooks."""
    if request.endpoint == "feedback.feedback" and request.method == "POST":
        from .photos import MAX_BYTES, MOST

        request.max_content_length = MOST * MAX_BYTES + 1024 * 1024


@bp.record_once
def _first_hook(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _limit_uploads)


from . import public, views, worker  # noqa: E402,F401  (routes, filters, hooks register)
