import type { RecordParameters } from '../record-parameters';
import type { Service } from './service';

interface Route {
  method: string;
  route: string;
  path: (p: RecordParameters) => string;
}

const ROUTES: ReadonlyArray<Route> = [
  { method: 'GET', route: '/api/v1/products/:sku', path: (p) => `/api/v1/products/${p.sku()}` },
  { method: 'GET', route: '/api/v1/orders/:id', path: (p) => `/api/v1/orders/${p.orderId()}` },
  { method: 'POST', route: '/api/v1/orders', path: () => '/api/v1/orders' },
  { method: 'POST', route: '/api/v1/cart/items', path: () => '/api/v1/cart/items' },
  {
    method: 'DELETE',
    route: '/api/v1/cart/items/:sku',
    path: (p) => `/api/v1/cart/items/${p.sku()}`,
  },
  {
    method: 'GET',
    route: '/api/v1/search',
    path: (p) =>
      `/api/v1/search?q=${p.pick(['boots', 'rain+jacket', 'usb-c', 'desk'])}&page=${p.between(1, 5)}`,
  },
  { method: 'GET', route: '/healthz', path: () => '/healthz' },
];

const WRITES = ROUTES.filter((r) => r.method !== 'GET');

/** A request line and its 4 attributes (5 with the user agent). */
function request(p: RecordParameters, status: number, withAgent = false, routes = ROUTES) {
  const r = p.pick(routes);
  const attributes: Record<string, string | number> = {
    'http.request.method': r.method,
    'http.route': r.route,
    'http.response.status_code': status,
    'client.address': p.ip(),
  };
  if (withAgent) attributes['user_agent.original'] = p.userAgent();
  return { line: `${r.method} ${r.path(p)}`, attributes };
}

const kib = (p: RecordParameters) => `${(p.skewed(3) + 0.1).toFixed(1)} KiB`;

/** The shop's public HTTP API (Node.js): access lines, validation, upstream failures. */
export const HTTP_API: Service = {
  name: 'http-api',
  runtime: { kind: 'node' },
  namespaces: [
    'api.routes.orders',
    'api.routes.cart',
    'api.routes.products',
    'api.middleware.access-log',
  ],
  appFrames: [
    'OrdersController.create (/app/dist/routes/orders.js:88:17)',
    'CheckoutClient.placeOrder (/app/dist/clients/checkout-client.js:41:22)',
    'withRetry (/app/dist/lib/retry.js:19:18)',
    'validateBody (/app/dist/middleware/validate.js:27:5)',
    'authenticate (/app/dist/middleware/authenticate.js:54:11)',
  ],
  calls: ['auth', 'cache', 'checkout', 'db-pool'],
  templates: {
    trace: [
      (p) => ({
        body: `enter middleware ${p.pick(['authenticate', 'rateLimit', 'validateBody', 'cors'])} (${p.requestId()})`,
        attributes: { 'http.request.method': 'GET', 'http.route': p.pick(ROUTES).route },
      }),
      (p) => ({
        body: `response serialized in ${p.millis(0.4)} ms (${p.between(200, 40_000)} bytes)`,
        attributes: { 'http.response.status_code': 200, 'http.route': p.pick(ROUTES).route },
      }),
    ],
    debug: [
      (p) => ({
        body: `request headers for ${p.requestId()}: ${JSON.stringify({
          accept: 'application/json',
          'accept-language': p.pick(['de-DE,de;q=0.9', 'en-US,en;q=0.8', 'sv-SE']),
          'x-forwarded-for': `${p.ip()}, ${p.ip()}`,
          'user-agent': p.userAgent(),
          cookie: `session=${p.base62(p.between(40, 400))}`,
        })}`,
        attributes: { 'http.route': p.pick(ROUTES).route, 'client.address': p.ip() },
      }),
      (p) => {
        const r = p.pick(ROUTES);
        return {
          body: `matched route ${r.method} ${r.route} -> ${r.route.split('/')[3] ?? 'health'}Controller`,
          attributes: { 'http.request.method': r.method, 'http.route': r.route },
        };
      },
    ],
    info: [
      (p) => {
        const status = p.pick([200, 200, 200, 200, 201, 204, 304]);
        const { line, attributes } = request(p, status, p.chance(0.6));
        return { body: `${line} ${status} in ${p.millis(35)} ms (${kib(p)})`, attributes };
      },
      (p) => {
        const user = p.userId();
        return {
          body: `order ${p.orderId()} created for ${user}: ${p.between(1, 8)} items, total ${p.amount()} ${p.currency()}`,
          attributes: {
            'http.route': '/api/v1/orders',
            'http.response.status_code': 201,
            'user.id': user,
          },
        };
      },
    ],
    warn: [
      (p) => {
        const { line, attributes } = request(p, 422, false, WRITES);
        return {
          body: `${line} 422 in ${p.millis(8)} ms: validation failed: quantity must be between 1 and 10 (got ${p.between(11, 99)})`,
          attributes,
        };
      },
      (p) => {
        const { line, attributes } = request(p, 200);
        return {
          body: `slow request: ${line} took ${p.between(1001, 9000)} ms (threshold 1000 ms)`,
          attributes,
        };
      },
      (p) => {
        const { attributes } = request(p, 429);
        return {
          body: `rate limit exceeded for ${attributes['client.address']}: ${p.between(101, 400)} requests in 60 s (limit 100)`,
          attributes,
        };
      },
    ],
    error: [
      (p) => {
        const { line, attributes } = request(p, 502, false, WRITES);
        return {
          body: `${line} 502 in ${p.millis(3000)} ms: upstream checkout failed`,
          attributes: { ...attributes, 'error.type': 'AxiosError' },
          exception: {
            type: 'AxiosError',
            message: 'Request failed with status code 502',
            frames: [
              'settle (/app/node_modules/axios/dist/node/axios.cjs:2019:12)',
              'IncomingMessage.handleStreamEnd (/app/node_modules/axios/dist/node/axios.cjs:3135:11)',
            ],
          },
        };
      },
      (p) => {
        const { line, attributes } = request(p, 500);
        return {
          body: `unhandled error in ${line}`,
          attributes: { ...attributes, 'error.type': 'TypeError' },
          exception: {
            type: 'TypeError',
            message: "Cannot read properties of undefined (reading 'items')",
            frames: ['serializeOrder (/app/dist/serializers/order.js:12:31)'],
          },
        };
      },
    ],
    fatal: [
      (p) => ({
        body: 'uncaught exception, shutting down',
        attributes: {
          'error.type': 'RangeError',
          'process.pid': p.between(1, 60_000),
        },
        exception: {
          type: 'RangeError',
          message: 'Maximum call stack size exceeded',
          frames: ['flattenCategories (/app/dist/lib/categories.js:33:14)'],
        },
      }),
      (p) => ({
        body: `server failed to start on port ${p.pick([8080, 3000])}`,
        attributes: { 'error.type': 'EADDRINUSE', 'server.port': 8080 },
        exception: {
          type: 'Error',
          message: 'listen EADDRINUSE: address already in use 0.0.0.0:8080',
          frames: ['Server.setupListenHandle [as _listen2] (node:net:1908:16)'],
        },
      }),
    ],
  },
};
