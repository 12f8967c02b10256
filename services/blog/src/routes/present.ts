import type { BlogRecord, BlogView } from '../repositories/blogs.ts';

/** The wire shape of a blog just written (the reads select it in that shape already). */
export function presentBlog(blog: BlogRecord): BlogView {
  return {
    slug: blog.slug,
    title: blog.title,
    content: blog.content,
    author_handle: blog.authorHandle,
    created_at: blog.createdAt.toISOString(),
    updated_at: blog.updatedAt.toISOString(),
  };
}
