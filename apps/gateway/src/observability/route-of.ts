/** The route label of Socket.IO's polls and upgrades (its engine serves them before Express's router). */
export const SOCKET_IO_ROUTE = 'socket.io';
/** The route label of a path no route serves (as the access log names a 404). */
export const UNMATCHED_ROUTE = 'unmatched';

const SOCKET_IO_PATH = '/socket.io/';

/** What is read of Express's router (the `router` package, 2.x): the layers of its routes. */
interface RouterLayer {
  route?: { path?: unknown; methods?: Record<string, boolean | undefined> };
  /** The layer's own matcher: pure since router 2.3 (it stores nothing on the layer). */
  match?(path: string): unknown;
}

/** An Express application, as far as its router goes. */
export interface RoutedApp {
  router?: { stack?: RouterLayer[] };
}

/** The route pattern a request would have been served under. */
export type RouteOf = (method: string, path: string) => string;

/**
 * The route pattern of a request the app never saw (the door thread's busy refusals), named as the
 * access log and the metrics name a served one (`route.path`): Express's router is asked, through its
 * own matchers, so case, trailing slashes and parameters match as they would have. Socket.IO's paths
 * are `socket.io`; a path no route of that method serves, or one the router could not decode, is
 * `unmatched`. The routes are read at each call: there are a few dozen, and busy refusals are few.
 */
export function routeOf(app: RoutedApp): RouteOf {
  return (method, path) => {
    if (path.startsWith(SOCKET_IO_PATH)) return SOCKET_IO_ROUTE;
    const verb = method.toLowerCase();
    for (const layer of app.router?.stack ?? []) {
      const route = layer.route;
      if (!route || typeof route.path !== 'string' || typeof layer.match !== 'function') continue;
      // The path first, as the router does: a parameter that is not valid percent-encoding ends its
      // dispatch there (Express answers 400), whatever the route's methods.
      let matched: unknown;
      try {
        matched = layer.match(path);
      } catch {
        return UNMATCHED_ROUTE;
      }
      const methods = route.methods ?? {};
      if (matched && (methods[verb] || methods._all || (verb === 'head' && methods.get))) return route.path;
    }
    return UNMATCHED_ROUTE;
  };
}
