// Fields shared by log lines of different writers (request lines, error lines).

/** The feature module or platform component that answers a route template. */
export function moduleOfRoute(route: string): string {
  const api = /^\/api\/v1\/([a-z-]+)/.exec(route);
  if (api) return api[1];
  if (route.startsWith('/health')) return 'health';
  if (route === '/metrics') return 'observability';
  if (route === '/info') return 'info';
  if (route.startsWith('/docs')) return 'openapi';
  return 'http';
}
