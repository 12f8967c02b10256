import { Type } from 'typebox';
import { Handle, PageQuery } from '@blog/platform';

export const maxContentBytes = 100 * 1024;

export const Slug = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 80 });
export const Title = Type.String({ minLength: 1, maxLength: 128, format: 'label' });
/** Up to 100 KiB of UTF-8; the byte count is checked in the handler, the character count here. */
export const Content = Type.String({ minLength: 1, maxLength: maxContentBytes, format: 'text' });

export const Blog = Type.Object({
  slug: Slug,
  title: Title,
  content: Content,
  author_handle: Handle,
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const SlugParams = Type.Object({ slug: Slug }, { additionalProperties: false });

export const ListBlogsQuery = Type.Object(PageQuery, { additionalProperties: false });
export const BlogList = Type.Object({ blog_list: Type.Array(Blog), next_cursor: Type.Union([Type.String(), Type.Null()]) });
export const BlogResults = Type.Object({ results: Type.Array(Blog) });

export const SearchText = Type.String({ minLength: 1, maxLength: 128, format: 'single-line' });
export const SearchQuery = Type.Object(
  { title: Type.Optional(SearchText), author: Type.Optional(SearchText) },
  { additionalProperties: false },
);
export const ByAuthorNameQuery = Type.Object({ user_name: SearchText }, { additionalProperties: false });

export const CreateBlogBody = Type.Object(
  { title: Title, content: Content, author_handle: Type.Optional(Handle) },
  { additionalProperties: false },
);
export const UpdateBlogBody = Type.Object(
  { title: Type.Optional(Title), content: Type.Optional(Content), author_handle: Type.Optional(Handle) },
  { additionalProperties: false },
);
