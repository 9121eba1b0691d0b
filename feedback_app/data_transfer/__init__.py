"""Import and export of responses from the dashboard: CSV upload with a report, CSV/JSON download."""
