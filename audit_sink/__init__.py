"""The audit sink: consumes audit events from JetStream and stores them encrypted and hash-chained."""
