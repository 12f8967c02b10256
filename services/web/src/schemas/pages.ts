import { Type } from 'typebox';

/**
 * What the site's pages and forms take. Bounds here only keep absurd input out; the API decides
 * what is valid and its refusals are shown next to the field they concern.
 */
const text = (maxLength: number) => Type.String({ maxLength });
const csrfToken = { _csrf: text(200) };

export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const HandleParams = Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const PageQuery = Type.Object({ cursor: Type.Optional(text(512)) }, { additionalProperties: false });

/** Search in titles, in author handles, or in author names (the API's three searches). */
export const SearchQuery = Type.Object(
  {
    q: Type.Optional(text(200)),
    in: Type.Optional(Type.Union([Type.Literal('title'), Type.Literal('author'), Type.Literal('name')])),
    cursor: Type.Optional(text(512)),
  },
  { additionalProperties: false },
);

export const SignInQuery = Type.Object({ next: Type.Optional(text(512)) }, { additionalProperties: false });
export const SignInForm = Type.Object(
  { username: text(200), password: text(1024), next: Type.Optional(text(512)), ...csrfToken },
  { additionalProperties: false },
);
export const SignUpForm = Type.Object(
  { handle: text(200), name: text(1000), email: Type.Optional(text(1000)), password: text(1024), ...csrfToken },
  { additionalProperties: false },
);
export const CsrfOnlyForm = Type.Object(csrfToken, { additionalProperties: false });

export const BlogForm = Type.Object(
  {
    title: text(1000),
    content: text(400_000),
    intent: Type.Optional(Type.Union([Type.Literal('preview'), Type.Literal('publish')])),
    ...csrfToken,
  },
  { additionalProperties: false },
);

export const ProfileForm = Type.Object(
  { name: text(1000), email: Type.Optional(text(1000)), ...csrfToken },
  { additionalProperties: false },
);
export const PasswordForm = Type.Object(
  { current_password: text(1024), password: text(1024), ...csrfToken },
  { additionalProperties: false },
);
export const DeleteAccountForm = Type.Object({ confirm_handle: text(200), ...csrfToken }, { additionalProperties: false });

export const AdminUserForm = Type.Object(
  { name: text(1000), email: Type.Optional(text(1000)), role: Type.Union([Type.Literal('user'), Type.Literal('admin')]), ...csrfToken },
  { additionalProperties: false },
);
export const AuditQuery = Type.Object(
  { trail: Type.Optional(Type.Union([Type.Literal('users'), Type.Literal('blogs')])), before: Type.Optional(text(32)) },
  { additionalProperties: false },
);
