"""The adapters: the SQLite and DynamoDB stores, the official calendar, the senders (local
outbox, SES/SNS) and the readers of content/."""
