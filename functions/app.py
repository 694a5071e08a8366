"""The Wenzheng function: routes API.md under /api and runs the publisher on store changes.

Only wiring lives here: the routes are blueprints in chalicelib/api/ (letters.py: letters and
staff; topics.py: consultations), the use cases in chalicelib/services/, the composition in
chalicelib/bootstrap.py.
"""
from chalice import Rate

from chalicelib.api import events
from chalicelib.api import interviews as api_interviews
from chalicelib.api import letters as api
from chalicelib.api import privacy as api_privacy
from chalicelib.api import topics as api_topics
from chalicelib.api.function_app import FunctionApp
from chalicelib.config import Settings
from chalicelib.services import abuse

# one request's state per thread (the embedded server is threaded), API.md's error shape
app = FunctionApp(app_name="wenzheng")
app.register_blueprint(api.public, url_prefix="/api")
app.register_blueprint(api.staff, url_prefix="/api")
app.register_blueprint(api_topics.public, url_prefix="/api")
app.register_blueprint(api_topics.staff, url_prefix="/api")
app.register_blueprint(api_interviews.staff, url_prefix="/api")
app.register_blueprint(api_privacy.staff, url_prefix="/api")
# a 429 whose wait is known says it in Retry-After (abuse.py)
app.register_middleware(abuse.retry_after_middleware, "http")

STREAM_ARN = Settings.from_env().stream_arn


@app.on_dynamodb_record(stream_arn=STREAM_ARN, batch_size=50, starting_position="TRIM_HORIZON")
def publish_changes(event):
    """Incremental publish of every change record the stream delivers."""
    events.on_stream(event)


@app.schedule(Rate(15, unit=Rate.MINUTES))
def tick(event):
    """Deadline lights, overdue flags, reminders, then the rebuild of what changed."""
    events.on_schedule()



@app.schedule(Rate(1, unit=Rate.MINUTES))
def index_search(event):
    """The search index follows what was published: the shards of marked months, rebuilt with
    Pagefind (its own function: a layer holds the binary, the API's package never does)."""
    return events.on_search_schedule()
