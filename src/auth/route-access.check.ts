// At startup, lists every route with its access rule and logs each undeclared one loudly (it is closed).
// It also records every route Fastify serves, so the route walk test can spot routes that bypass Nest
// (and therefore the global guard).
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationConfig, DiscoveryService, HttpAdapterHost, Reflector } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { listRoutes, type RouteEntry } from './route-access.js';

export interface ServedRoute {
  method: string;
  url: string;
}

@Injectable()
export class RouteAccessCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('RouteAccessCheck');
  private readonly served: ServedRoute[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly appConfig: ApplicationConfig,
    adapterHost: HttpAdapterHost,
  ) {
    // Providers are created before any route is registered (Nest registers routes in app.init()).
    const fastify = adapterHost.httpAdapter?.getInstance() as FastifyInstance | undefined;
    fastify?.addHook('onRoute', (route) => {
      for (const method of ([] as string[]).concat(route.method)) this.served.push({ method, url: route.url ?? '' });
    });
  }

  /** Nest routes with their access declarations. */
  routes(): RouteEntry[] {
    return listRoutes(this.discovery.getControllers(), this.reflector, this.appConfig.getGlobalPrefix());
  }

  /** Every route registered on the Fastify instance (Nest's and any registered directly). */
  servedRoutes(): ServedRoute[] {
    return [...this.served];
  }

  onApplicationBootstrap(): void {
    for (const route of this.routes()) {
      if (route.access.kind === 'undeclared') {
        this.logger.error(
          `${route.method} ${route.path} (${route.controller}.${route.handler}) declares ${route.access.why}; ` +
            'it answers 403 to everyone until it gets @RequirePermissions(...) or @Public().',
        );
      }
    }
  }
}
