-- The lines of a failed attempt's log that say why it failed, kept with the attempt's failed event.
ALTER TABLE "training_job_events" ADD COLUMN "detail" text;