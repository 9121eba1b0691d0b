"""Making sense of the answers: analysis runs and live analysis, themes, reports, the inbox, trends."""
