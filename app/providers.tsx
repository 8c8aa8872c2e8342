'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { SessionProvider } from 'next-auth/react';
import { useState } from 'react';
import { ConfirmProvider } from './components/confirm';
import { ToastProvider } from './components/toast';
import { isGraphQLRequestError, isTransient } from './lib/graphql-client';

/** A session that ended (expired, signed out elsewhere) sends the user to sign in and back. */
function onError(error: unknown) {
  if (isGraphQLRequestError(error) && error.code === 'UNAUTHENTICATED' && !window.location.pathname.startsWith('/signin')) {
    window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  }
}

export function Providers({ children }: { children: React.ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        queryCache: new QueryCache({ onError }),
        mutationCache: new MutationCache({ onError }),
        defaultOptions: {
          queries: {
            staleTime: 30_000,
            refetchOnWindowFocus: false,
            // FORBIDDEN, NOT_FOUND and friends will not change on a retry.
            retry: (count, error) => count < 2 && isTransient(error),
          },
          mutations: { retry: false },
        },
      }),
  );
  return (
    <SessionProvider refetchOnWindowFocus={false}>
      <QueryClientProvider client={queryClient}>
        <ToastProvider>
          <ConfirmProvider>{children}</ConfirmProvider>
        </ToastProvider>
      </QueryClientProvider>
    </SessionProvider>
  );
}
