import type { RecordParameters } from '../record-parameters';
import type { Service } from './service';

const key = (p: RecordParameters) =>
  p.pick([
    () => `product:${p.sku()}`,
    () => `session:${p.uuid()}`,
    () => `cart:${p.userId()}`,
    () => `rate:${p.ip()}`,
  ])();

/** A cache command's attributes: system, operation, server (3). */
const command = (p: RecordParameters, operation: string) => ({
  'db.system.name': 'redis',
  'db.operation.name': operation,
  'server.address': `10.0.${p.int(4)}.${p.between(10, 20)}`,
});

/** The Redis cache client (Node.js, ioredis): hits and misses, evictions, reconnects. */
export const CACHE: Service = {
  name: 'cache',
  runtime: { kind: 'node' },
  namespaces: ['cache.redis', 'cache.product-cache', 'cache.session-store'],
  appFrames: [
    'ProductCache.get (/app/dist/cache/product-cache.js:31:28)',
    'SessionStore.save (/app/dist/cache/session-store.js:47:16)',
    'readThrough (/app/dist/cache/read-through.js:12:20)',
  ],
  calls: [],
  templates: {
    trace: [
      (p) => ({
        body: `redis command sent: GET ${key(p)}`,
        attributes: command(p, 'GET'),
      }),
    ],
    debug: [
      (p) => {
        const result = p.chance(0.8) ? 'hit' : 'miss';
        return {
          body: `cache ${result} ${key(p)} (ttl ${p.between(1, 3600)} s)`,
          attributes: { ...command(p, 'GET'), 'cache.result': result },
        };
      },
      (p) => {
        const keys = Array.from({ length: p.between(5, 60) }, () => key(p));
        return {
          body: `MGET ${keys.length} keys: ${keys.join(' ')}`,
          attributes: command(p, 'MGET'),
        };
      },
    ],
    info: [
      (p) => ({
        body: `cache warmup finished: ${p.between(1000, 90_000)} keys loaded in ${p.millis(1800)} ms`,
        attributes: { ...command(p, 'MSET'), 'cache.name': 'product-cache' },
      }),
      (p) => ({
        body: `evicted ${p.between(10, 5000)} keys (maxmemory 2gb reached, policy allkeys-lru)`,
        attributes: {
          ...command(p, 'EVICT'),
          'cache.name': p.pick(['product-cache', 'session-store']),
        },
      }),
    ],
    warn: [
      (p) => ({
        body: `cache GET ${key(p)} took ${p.between(51, 900)} ms (> 50 ms)`,
        attributes: command(p, 'GET'),
      }),
      (p) => {
        const attributes = { ...command(p, 'CONNECT'), 'network.peer.port': 6379 };
        return {
          body: `redis reconnecting to ${attributes['server.address']}:6379 (attempt ${p.between(1, 19)}, delay ${p.pick([50, 100, 200, 400, 800])} ms)`,
          attributes,
        };
      },
    ],
    error: [
      (p) => ({
        body: `cache write failed for ${key(p)}`,
        attributes: { ...command(p, 'SET'), 'error.type': 'ReplyError' },
        exception: {
          type: 'ReplyError',
          message: "OOM command not allowed when used memory > 'maxmemory'.",
          frames: [
            'parseError (/app/node_modules/redis-parser/lib/parser.js:179:12)',
            'parseType (/app/node_modules/redis-parser/lib/parser.js:302:14)',
          ],
        },
      }),
      (p) => ({
        body: 'redis connection lost',
        attributes: { ...command(p, 'CONNECT'), 'error.type': 'ECONNREFUSED' },
        exception: {
          type: 'Error',
          message: `connect ECONNREFUSED 10.0.${p.int(4)}.${p.between(10, 20)}:6379`,
          frames: ['TCPConnectWrap.afterConnect [as oncomplete] (node:net:1634:16)'],
        },
      }),
    ],
    fatal: [
      (p) => ({
        body: 'redis cluster unreachable after 20 attempts, giving up',
        attributes: { ...command(p, 'CONNECT'), 'error.type': 'MaxRetriesPerRequestError' },
        exception: {
          type: 'MaxRetriesPerRequestError',
          message:
            'Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.',
          frames: [
            'Socket.<anonymous> (/app/node_modules/ioredis/built/redis/event_handler.js:182:37)',
          ],
        },
      }),
    ],
  },
};
