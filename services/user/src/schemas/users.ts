import { Type } from 'typebox';
import { Handle, PageQuery } from '@blog/platform';

export const Name = Type.String({ minLength: 1, maxLength: 128, format: 'label' });
/** NIST SP 800-63B: length is what counts; no composition rules. */
export const passwordMaxLength = 128;
export const Password = Type.String({ minLength: 8, maxLength: passwordMaxLength, format: 'text' });
export const Role = Type.Union([Type.Literal('user'), Type.Literal('admin')]);

/** Personal data: shown only to the user and to admins, stored encrypted. */
export const Email = Type.String({ format: 'email', maxLength: 254 });

export const HandleParams = Type.Object({ handle: Handle }, { additionalProperties: false });

export const PublicUser = Type.Object({ handle: Handle, name: Name });
/** What the user and admins see. */
export const UserWithRole = Type.Object({ handle: Handle, name: Name, role: Role, email: Type.Optional(Type.Union([Email, Type.Null()])) });
/** A user as anyone sees it, with the private fields when the caller may see them. */
export const UserProfile = Type.Object({
  handle: Handle,
  name: Name,
  role: Type.Optional(Role),
  email: Type.Optional(Type.Union([Email, Type.Null()])),
});

export const ListUsersQuery = Type.Object(PageQuery, { additionalProperties: false });
export const UserList = Type.Object({
  user_list: Type.Array(PublicUser),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const CreateUserBody = Type.Object(
  { handle: Handle, name: Name, password: Password, email: Type.Optional(Email) },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(Name),
    password: Type.Optional(Password),
    role: Type.Optional(Role),
    email: Type.Optional(Type.Union([Email, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
