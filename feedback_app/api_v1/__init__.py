"""The Delighted-compatible REST API under ``/v1``, for programs written against Delighted."""
