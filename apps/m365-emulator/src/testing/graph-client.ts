import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { createCaFetch } from './fetch.ts';

/**
 * The last middleware of a Graph SDK chain, sending requests with a fetch that trusts the
 * emulator's CA (replaces HTTPMessageHandler; the SDK itself is unchanged).
 */
export function caHttpMessageHandler(caPem: string): Middleware {
  const f = createCaFetch(caPem);
  return {
    async execute(context: Context): Promise<void> {
      context.response = await f(context.request as string | Request, context.options as RequestInit);
    },
  };
}
