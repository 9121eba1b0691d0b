"""The native REST API under ``/api``: cursor-paginated resources and their OpenAPI document."""
