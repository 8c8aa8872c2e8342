-- Indexes for the audit log's filters (by action, by acting user, by acting API key), each newest first.
CREATE INDEX "audit_events_action_idx" ON "audit_events" USING btree ("org_id","action","seq");--> statement-breakpoint
CREATE INDEX "audit_events_actor_user_idx" ON "audit_events" USING btree ("org_id","actor_user_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_actor_key_idx" ON "audit_events" USING btree ("org_id","actor_api_key_id","seq");