"""The domain: letters and their state machine, deadlines on the official calendar, lights,
statistics and the league formula, privacy (masking and redaction), consultations. Pure: the
standard library and this package only; `now` and the calendar are parameters."""
