-- The user service's schema. Run as the migration role (user_migrator), which owns the
-- database; the service connects as user_app and gets only what is granted below.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE "users" (
  "handle"        CITEXT       NOT NULL,
  "name"          TEXT         NOT NULL,
  "role"          TEXT         NOT NULL DEFAULT 'user',
  "password_hash" TEXT         NOT NULL,
  "created_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "users_pkey" PRIMARY KEY ("handle"),
  CONSTRAINT "users_handle_format" CHECK ("handle"::text ~ '^@[A-Za-z0-9_]{1,31}$'),
  CONSTRAINT "users_name_length" CHECK (char_length("name") BETWEEN 1 AND 128),
  CONSTRAINT "users_role_known" CHECK ("role" IN ('user', 'admin'))
);
-- "/users/blogs?user_name=X" asks for names containing X, case-insensitively.
CREATE INDEX "users_name_trgm_idx" ON "users" USING gin ("name" gin_trgm_ops);

CREATE TABLE "sessions" (
  "id"         UUID         NOT NULL,
  "handle"     CITEXT       NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "revoked_at" TIMESTAMPTZ(3),
  CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "sessions_handle_idx" ON "sessions" ("handle");
CREATE INDEX "sessions_revoked_at_idx" ON "sessions" ("revoked_at");

CREATE TABLE "user_deletion_outbox" (
  "handle"          CITEXT       NOT NULL,
  "requested_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "attempts"        INTEGER      NOT NULL DEFAULT 0,
  "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "last_error"      TEXT,
  CONSTRAINT "user_deletion_outbox_pkey" PRIMARY KEY ("handle")
);
CREATE INDEX "user_deletion_outbox_next_attempt_at_idx" ON "user_deletion_outbox" ("next_attempt_at");

-- Least privilege: nobody but the owner may create objects; user_app may run exactly the
-- statements the service issues, and may UPDATE only the columns that are allowed to change.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO user_app;
GRANT SELECT, INSERT, DELETE ON "users" TO user_app;
GRANT UPDATE ("name", "role", "password_hash", "updated_at") ON "users" TO user_app;
GRANT SELECT, INSERT, DELETE ON "sessions" TO user_app;
GRANT UPDATE ("revoked_at") ON "sessions" TO user_app;
GRANT SELECT, INSERT, DELETE ON "user_deletion_outbox" TO user_app;
GRANT UPDATE ("attempts", "next_attempt_at", "last_error") ON "user_deletion_outbox" TO user_app;
