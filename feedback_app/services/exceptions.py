"""Typed service errors; ``feedback_app.errors`` turns them into HTTP responses."""


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    message = "The request could not be completed."

    def __init__(self, message=None, *, fields=None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.fields = fields or {}  # {field name: [problems]} for validation errors


class InvalidInput(ServiceError):
    status = 422
    message = "The input is not valid."


class NotFound(ServiceError):
    status = 404
    message = "Not found."


class PermissionDenied(ServiceError):
    status = 403
    message = "You are not allowed to do that."


class Unauthorized(ServiceError):
    status = 401
    message = "Authentication is required."


class Conflict(ServiceError):
    status = 409
    message = "That conflicts with existing data."


class Unavailable(ServiceError):
    status = 503
    message = "The service is busy; please try again shortly."
