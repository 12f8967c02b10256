-- Refresh tokens bound to sessions, sign-in throttling state shared by all replicas,
-- and an encrypted email per user.

-- Email: AES-256-GCM ciphertext with its key id; uniqueness through a keyed hash, never the plaintext.
ALTER TABLE "users" ADD COLUMN "email_ciphertext" TEXT, ADD COLUMN "email_hash" TEXT;
CREATE UNIQUE INDEX "users_email_hash_key" ON "users" ("email_hash");
GRANT UPDATE ("email_ciphertext", "email_hash") ON "users" TO user_app;

-- Where a session was opened from: a known address is never slowed down by attacks on its account.
ALTER TABLE "sessions" ADD COLUMN "client_ip" TEXT, ADD COLUMN "expires_at" TIMESTAMPTZ(3);
CREATE INDEX "sessions_handle_client_ip_idx" ON "sessions" ("handle", "client_ip");

-- Only hashes of refresh tokens are kept. A used token stays, marked, so its replay is recognised as theft.
CREATE TABLE "refresh_tokens" (
  "token_hash" TEXT         NOT NULL,
  "session_id" UUID         NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "used_at"    TIMESTAMPTZ(3),
  CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("token_hash"),
  CONSTRAINT "refresh_tokens_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions" ("id") ON DELETE CASCADE
);
CREATE INDEX "refresh_tokens_session_id_idx" ON "refresh_tokens" ("session_id");
GRANT SELECT, INSERT, DELETE ON "refresh_tokens" TO user_app;
GRANT UPDATE ("used_at") ON "refresh_tokens" TO user_app;

CREATE TABLE "sign_in_failures" (
  "id"        BIGSERIAL    NOT NULL,
  "handle"    CITEXT       NOT NULL,
  "client_ip" TEXT         NOT NULL,
  "failed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "sign_in_failures_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "sign_in_failures_handle_failed_at_idx" ON "sign_in_failures" ("handle", "failed_at");
CREATE INDEX "sign_in_failures_client_ip_failed_at_idx" ON "sign_in_failures" ("client_ip", "failed_at");
GRANT SELECT, INSERT, DELETE ON "sign_in_failures" TO user_app;
GRANT USAGE ON SEQUENCE "sign_in_failures_id_seq" TO user_app;

CREATE TABLE "blocked_addresses" (
  "client_ip"     TEXT         NOT NULL,
  "blocked_until" TIMESTAMPTZ(3) NOT NULL,
  "reason"        TEXT         NOT NULL,
  CONSTRAINT "blocked_addresses_pkey" PRIMARY KEY ("client_ip")
);
GRANT SELECT, INSERT, DELETE ON "blocked_addresses" TO user_app;
GRANT UPDATE ("blocked_until", "reason") ON "blocked_addresses" TO user_app;
