import { builder } from '../builder';

export interface UserShape {
  id: string;
  email: string;
  name: string;
}

export const UserRef = builder.objectRef<UserShape>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
  }),
});
