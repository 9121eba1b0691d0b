"""Analysis jobs: one response right after it is stored, and full runs."""
from celery import shared_task

from feedback_app.services.insights import analysis_live, analysis_runs


@shared_task(name="analysis.analyze_response", queue="analysis")
def analyze_response(response_id):
    """Score the sentiment of one response and assign it to existing themes."""
    analysis_live.analyze_response(response_id)


@shared_task(name="analysis.run", queue="analysis")
def run_analysis(run_id):
    """Execute full analysis run ``run_id``."""
    analysis_runs.execute_analysis_run(run_id)


@shared_task(name="analysis.schedule_runs", queue="analysis")
def schedule_runs():
    """Queue a full run for every workspace whose responses changed since its last run."""
    analysis_runs.start_scheduled_runs()
