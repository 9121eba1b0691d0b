# Read by the `flask` command (python-dotenv) when run inside this checkout; the environment wins over it.
# Only the app's location lives here: FEEDBACK_ENV stays unset (production) unless you export it.
FLASK_APP=feedback_app.wsgi
