// Runs before org-scoped pages: hands the requested path to server components, which have no
// other way to know it, so a sign-in redirect can bring the user back to the exact page.
import { NextResponse, type NextRequest } from 'next/server';

export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set('x-gantry-path', request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ['/o/:path*'] };
