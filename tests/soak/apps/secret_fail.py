"""An app that fails to import with a secret in the message."""

raise RuntimeError("cannot connect to postgresql://admin:s3cr3t-pw@db.internal/prod\x1b[31m")
