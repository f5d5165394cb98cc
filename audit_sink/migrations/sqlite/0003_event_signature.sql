-- What the voice worker signed: the digest of the event's bytes and its signature. A second event at a call and
-- sequence already stored is compared by digest (the same event redelivered, or other content: an alert), and
-- `camille audit replay` re-publishes each event with its signature.
ALTER TABLE events ADD COLUMN digest TEXT;
ALTER TABLE events ADD COLUMN signature TEXT;
