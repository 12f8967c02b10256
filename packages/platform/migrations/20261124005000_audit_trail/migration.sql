-- The hash-chained audit trail, kept by every service in its own database. Owned by
-- @blog/platform and applied by the same runner as the service's own migrations.
-- Append-only for the service: its application role may INSERT and SELECT, never UPDATE or DELETE.
CREATE TABLE "audit_events" (
  "id"         BIGINT         NOT NULL,
  "at"         TIMESTAMPTZ(3) NOT NULL,
  "actor"      TEXT,
  "action"     TEXT           NOT NULL,
  "target"     TEXT,
  "outcome"    TEXT           NOT NULL,
  "request_id" TEXT,
  "client_ip"  TEXT,
  "details"    JSONB,
  "prev_hash"  TEXT           NOT NULL,
  "hash"       TEXT           NOT NULL,
  CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);
CREATE SEQUENCE "audit_events_id_seq" OWNED BY "audit_events"."id";

-- The text an event's hash covers: a JSON array of its fields, each string as to_json writes it
-- (which is what JSON.stringify writes too) and details as jsonb prints it. `verify-audit`
-- rebuilds the same text in JavaScript, so the check does not trust this function.
CREATE FUNCTION audit_event_text(e "audit_events") RETURNS TEXT LANGUAGE sql STABLE AS $$
  SELECT '[' || concat_ws(',',
    to_json(e.id::text)::text,
    to_json(to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text,
    coalesce(to_json(e.actor)::text, 'null'),
    to_json(e.action)::text,
    coalesce(to_json(e.target)::text, 'null'),
    to_json(e.outcome)::text,
    coalesce(to_json(e.request_id)::text, 'null'),
    coalesce(to_json(e.client_ip)::text, 'null'),
    coalesce(e.details::text, 'null')) || ']'
$$;

-- Appends events (a JSON array of {actor, action, target, outcome, request_id, client_ip,
-- details}) in the caller's transaction and returns how many, so an event commits with the change it records or not
-- at all. The advisory lock makes writers on every replica take turns until their transaction
-- ends; each statement of this function reads a fresh snapshot, so the last hash it reads is the
-- newest committed one and the chain never forks. Call it last in a transaction: the lock is
-- held until commit.
CREATE FUNCTION append_audit_events(events JSONB) RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
  event JSONB;
  next_event "audit_events";
  previous TEXT;
BEGIN
  PERFORM pg_advisory_xact_lock(47110815);
  SELECT hash INTO previous FROM "audit_events" ORDER BY id DESC LIMIT 1;
  previous := coalesce(previous, repeat('0', 64));
  FOR event IN SELECT value FROM jsonb_array_elements(events) LOOP
    next_event := ROW(
      nextval('audit_events_id_seq'), date_trunc('milliseconds', clock_timestamp()),
      event->>'actor', event->>'action', event->>'target', event->>'outcome', event->>'request_id', event->>'client_ip',
      nullif(event->'details', 'null'::jsonb), previous, NULL);
    next_event.hash := encode(sha256(convert_to(previous || E'\n' || audit_event_text(next_event), 'UTF8')), 'hex');
    INSERT INTO "audit_events" SELECT next_event.*;
    previous := next_event.hash;
  END LOOP;
  RETURN jsonb_array_length(events);
END
$$;

-- The service's application role is named after its migration role: user_migrator → user_app.
DO $$
DECLARE app_role TEXT := regexp_replace(current_user, '_migrator$', '_app');
BEGIN
  EXECUTE format('GRANT SELECT, INSERT ON "audit_events" TO %I', app_role);
  EXECUTE format('GRANT USAGE ON SEQUENCE "audit_events_id_seq" TO %I', app_role);
END
$$;
