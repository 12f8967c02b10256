-- The blog service's schema. Run as the migration role (blog_migrator), which owns the
-- database; the service connects as blog_app and gets only what is granted below.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE "blogs" (
  "slug"          TEXT         NOT NULL,
  "title"         TEXT         NOT NULL,
  "content"       TEXT         NOT NULL,
  "author_handle" TEXT         NOT NULL,
  "created_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "blogs_pkey" PRIMARY KEY ("slug"),
  CONSTRAINT "blogs_slug_format" CHECK ("slug" ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length("slug") <= 80),
  CONSTRAINT "blogs_title_length" CHECK (char_length("title") BETWEEN 1 AND 128),
  CONSTRAINT "blogs_content_size" CHECK (octet_length("content") BETWEEN 1 AND 102400),
  CONSTRAINT "blogs_author_handle_format" CHECK ("author_handle" ~ '^@[A-Za-z0-9_]{1,31}$')
);
CREATE INDEX "blogs_author_handle_idx" ON "blogs" ("author_handle");
-- Newest first, with the slug as tie-breaker: the order of /blogs and of its cursors.
CREATE INDEX "blogs_created_at_slug_idx" ON "blogs" ("created_at" DESC, "slug" DESC);
-- Partial, case-insensitive search (ILIKE '%x%') on titles and author handles.
CREATE INDEX "blogs_title_trgm_idx" ON "blogs" USING gin ("title" gin_trgm_ops);
CREATE INDEX "blogs_author_handle_trgm_idx" ON "blogs" USING gin ("author_handle" gin_trgm_ops);

-- Least privilege: blog_app may read, insert and delete blogs, and change only title,
-- content and updated_at; the slug and the author of a blog never change.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO blog_app;
GRANT SELECT, INSERT, DELETE ON "blogs" TO blog_app;
GRANT UPDATE ("title", "content", "updated_at") ON "blogs" TO blog_app;
