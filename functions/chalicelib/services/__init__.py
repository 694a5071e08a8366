"""The use cases: functions named after the API's verbs, run inside the store's unit of work,
and the ports (store, sender) they ask the adapters for."""
