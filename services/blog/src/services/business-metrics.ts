import type { ServiceMetrics } from '@blog/platform';

/** What an operator watches besides HTTP. */
export function blogBusinessMetrics(metrics: ServiceMetrics) {
  return {
    blogsCreated: metrics.counter('blogs_created_total', 'Blogs created'),
    blogsDeletedWithAuthor: metrics.counter('blogs_deleted_with_author_total', 'Blogs removed because their author was deleted'),
  };
}

export type BlogBusinessMetrics = ReturnType<typeof blogBusinessMetrics>;
