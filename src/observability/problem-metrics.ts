// errors_total{type,route} for every problem response; called by the global ProblemFilter.
import { activeMetrics } from './metrics.service.js';

export function recordProblem(status: number, request: { routeOptions?: { url?: string } }): void {
  activeMetrics()?.recordError(status, request.routeOptions?.url);
}
