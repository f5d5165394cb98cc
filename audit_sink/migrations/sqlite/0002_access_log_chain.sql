-- Chain the access log too: a removed or edited read/erase record is detected by verify.
ALTER TABLE access_log ADD COLUMN entry_hash BLOB;
