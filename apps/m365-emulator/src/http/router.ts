import type { Ctx } from './context.ts';

export type Handler = (ctx: Ctx) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** A tiny router: `/:tenant/oauth2/v2.0/token` style patterns, case-insensitive paths. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string | string[], path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        if (seg === '*') {
          keys.push('rest');
          return '(.*)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    for (const m of Array.isArray(method) ? method : [method]) {
      this.routes.push({ method: m, pattern: new RegExp(`^${source}/?$`, 'i'), keys, handler });
    }
    return this;
  }

  /** Finds the handler; `methodNotAllowed` when the path exists with another method. */
  match(
    method: string,
    pathname: string,
  ): { handler: Handler; params: Record<string, string> } | 'methodNotAllowed' | undefined {
    let pathFound = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(pathname);
      if (!m) continue;
      pathFound = true;
      if (r.method !== method && !(r.method === 'GET' && method === 'HEAD')) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { handler: r.handler, params };
    }
    return pathFound ? 'methodNotAllowed' : undefined;
  }
}
