import { sharedRef, type Builder } from '../builder';

export interface UserShape {
  id: string;
  email: string;
  name: string;
}

/** Who did something: a user, and the API key when a tool acted for them. A part that no longer exists is null. */
export interface ActorShape {
  user: UserShape | null;
  apiKey: { id: string; name: string; prefix: string } | null;
}

export const UserRef = sharedRef((builder) => builder.objectRef<UserShape>('User'));
export const ActorRef = sharedRef((builder) => builder.objectRef<ActorShape>('Actor'));

export function register(builder: Builder) {
  UserRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      email: t.exposeString('email'),
      name: t.exposeString('name'),
    }),
  });

  const ActorKindEnum = builder.enumType('ActorKind', {
    values: { USER: { description: 'A signed-in user, in the browser' }, API_KEY: { description: 'A tool with one of the user’s API keys' } } as const,
  });
  const ActorApiKeyRef = builder.objectRef<NonNullable<ActorShape['apiKey']>>('ActorApiKey').implement({
    description: 'The API key an actor used: its name and public prefix, never more',
    fields: (t) => ({ id: t.exposeID('id'), name: t.exposeString('name'), prefix: t.exposeString('prefix') }),
  });

  ActorRef(builder).implement({
    description: 'Who did something: a user in the browser, or a tool with one of their API keys',
    fields: (t) => ({
      kind: t.field({ type: ActorKindEnum, resolve: (a) => (a.apiKey ? 'API_KEY' : 'USER') }),
      user: t.field({ type: UserRef(builder), nullable: true, description: 'The user, or the owner of the key', resolve: (a) => a.user }),
      apiKey: t.field({ type: ActorApiKeyRef, nullable: true, resolve: (a) => a.apiKey }),
      label: t.string({
        description: 'As the audit log shows actors: `email`, or `email (key gty_…)`',
        resolve: (a) => {
          const who = a.user?.email ?? 'a removed user';
          return a.apiKey ? `${who} (key ${a.apiKey.prefix})` : who;
        },
      }),
    }),
  });
}
