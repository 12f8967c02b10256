import type { BlogRecord } from '../repositories/blogs.ts';

/** The wire shape of a blog (snake_case, ISO 8601 times), as the original API had it. */
export function presentBlog(blog: BlogRecord) {
  return {
    slug: blog.slug,
    title: blog.title,
    content: blog.content,
    author_handle: blog.authorHandle,
    created_at: blog.createdAt.toISOString(),
    updated_at: blog.updatedAt.toISOString(),
  };
}
