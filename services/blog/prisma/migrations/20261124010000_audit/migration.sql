-- The hash-chained audit trail of blog changes and refusals.
-- Append-only for the service: it may INSERT and SELECT, never UPDATE or DELETE.
CREATE TABLE "audit_events" (
  "id"         BIGINT       NOT NULL,
  "at"         TIMESTAMPTZ(3) NOT NULL,
  "actor"      TEXT,
  "action"     TEXT         NOT NULL,
  "target"     TEXT,
  "outcome"    TEXT         NOT NULL,
  "request_id" TEXT,
  "client_ip"  TEXT,
  "details"    JSONB,
  "prev_hash"  TEXT         NOT NULL,
  "hash"       TEXT         NOT NULL,
  CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);
CREATE SEQUENCE "audit_events_id_seq" OWNED BY "audit_events"."id";
GRANT SELECT, INSERT ON "audit_events" TO blog_app;
GRANT USAGE ON SEQUENCE "audit_events_id_seq" TO blog_app;
