"""What every Camille service stands on: the NATS connection, common settings, logging and PHI masks, telemetry
set-up, the clinic file, the SQL helper and the serve-until-signal loop. Imports only `contracts`."""
