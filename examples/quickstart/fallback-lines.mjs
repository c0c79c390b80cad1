// Used when the LogHub sample (../shared/corpus/loghub beside the repository) is not there: a small
// web-service workload with a realistic level mix, so `npm start` works on any fresh clone.
const INFO = [
  'GET /api/orders/{id} 200 in 12 ms',
  'POST /api/cart/items 201 in 34 ms',
  'GET /healthz 200 in 1 ms',
  'user session refreshed',
  'cache hit for product catalogue page 3',
  'payment authorised for order',
  'scheduled job inventory-sync finished: 1,204 items in 2.3 s',
  'connection pool stats: 12 active, 4 idle',
];
const DEBUG = ['SQL SELECT * FROM orders WHERE id = $1 took 3 ms', 'feature flag checkout-v2 = on'];
const TRACE = ['entering OrderService.place', 'leaving OrderService.place'];
const WARN = [
  'slow request: GET /api/search took 1,840 ms',
  'retrying call to inventory service (attempt 2 of 3)',
  'cache miss ratio above 40% for the last minute',
];
const ERROR = [
  'payment provider returned 502 Bad Gateway',
  'failed to publish order event: broker connection reset',
];
const FATAL = ['database connection lost and could not be re-established'];

const mix = [
  [TRACE, 1, 'TRACE', 30],
  [DEBUG, 5, 'DEBUG', 60],
  [INFO, 9, 'INFO', 800],
  [WARN, 13, 'WARN', 80],
  [ERROR, 17, 'ERROR', 25],
  [FATAL, 21, 'FATAL', 1],
];

/** Lines shaped like `@spillway/testing`'s corpus lines, repeated to the mix's weights. */
export const FALLBACK_LINES = mix.flatMap(([bodies, severityNumber, severityText, weight]) =>
  Array.from({ length: weight }, (_, i) => ({
    system: 'webshop',
    level: severityText,
    severityNumber,
    severityText,
    component: 'api',
    body: bodies[i % bodies.length],
  })),
);
