import type { Service } from './service';

const CLIENTS = ['web-frontend', 'shop-ios', 'shop-android', 'partner-api'];
const METHODS = ['password', 'password+totp', 'passkey', 'oauth:google'];

/** The auth service (Node.js): logins, tokens, sessions, signing keys. */
export const AUTH: Service = {
  name: 'auth',
  runtime: { kind: 'node' },
  namespaces: ['auth.session', 'auth.token', 'auth.oauth'],
  appFrames: [
    'verifyAccessToken (/app/dist/token/verify.js:38:11)',
    'SessionStore.load (/app/dist/session/store.js:61:24)',
    'loginHandler (/app/dist/routes/login.js:22:30)',
    'requireSession (/app/dist/middleware/session.js:15:9)',
  ],
  calls: ['cache', 'db-pool'],
  templates: {
    trace: [
      (p) => ({
        body: `verifying token with kid=${p.hex(8)} alg=RS256`,
        attributes: { 'auth.client_id': p.pick(CLIENTS), 'code.function': 'verifyAccessToken' },
      }),
    ],
    debug: [
      (p) => ({
        body: `token claims for jti=${p.uuid()}: ${JSON.stringify({
          sub: p.userId(),
          aud: p.pick(CLIENTS),
          scope: p.pick(['orders:read', 'orders:read orders:write', 'profile cart']),
          iat: 1_767_225_600 + p.int(86_400),
          exp: 1_767_226_500 + p.int(86_400),
          amr: [p.pick(METHODS)],
        })}`,
        attributes: { 'user.id': p.userId(), 'auth.client_id': p.pick(CLIENTS) },
      }),
    ],
    info: [
      (p) => {
        const [user, method, ip] = [p.userId(), p.pick(METHODS), p.ip()];
        return {
          body: `login succeeded for ${user} via ${method} from ${ip}`,
          attributes: {
            'user.id': user,
            'client.address': ip,
            'auth.method': method,
          },
        };
      },
      (p) => {
        const client = p.pick(CLIENTS);
        return {
          body: `issued access token jti=${p.uuid()} for client ${client} (expires in 900 s)`,
          attributes: { 'auth.client_id': client, 'user.id': p.userId() },
        };
      },
      (p) => {
        const user = p.userId();
        return {
          body: `session s:${p.base62(24)} refreshed for ${user}`,
          attributes: { 'user.id': user, 'user_agent.original': p.userAgent() },
        };
      },
    ],
    warn: [
      (p) => {
        const ip = p.ip();
        return {
          body: `login failed for ${p.email()}: invalid password (${p.between(1, 5)} of 5 attempts) from ${ip}`,
          attributes: {
            'client.address': ip,
            'auth.method': 'password',
            'auth.outcome': 'failure',
          },
        };
      },
      (p) => ({
        body: `rejected expired token jti=${p.uuid()} (expired ${p.between(1, 3600)} s ago)`,
        attributes: { 'auth.client_id': p.pick(CLIENTS), 'auth.outcome': 'expired' },
      }),
      (p) => ({
        body: `JWKS key kid=${p.hex(8)} not found, refreshing keys from https://auth.example.net/.well-known/jwks.json`,
        attributes: {
          'url.full': 'https://auth.example.net/.well-known/jwks.json',
          'auth.outcome': 'retry',
        },
      }),
    ],
    error: [
      (p) => {
        const client = p.pick(CLIENTS);
        return {
          body: `token verification failed for client ${client}`,
          attributes: {
            'auth.client_id': client,
            'client.address': p.ip(),
            'error.type': 'JsonWebTokenError',
          },
          exception: {
            type: 'JsonWebTokenError',
            message: 'invalid signature',
            frames: [
              '/app/node_modules/jsonwebtoken/verify.js:171:19',
              'getSecret (/app/node_modules/jsonwebtoken/verify.js:97:14)',
            ],
          },
        };
      },
      (p) => ({
        body: `failed to load session s:${p.base62(24)}`,
        attributes: { 'user.id': p.userId(), 'error.type': 'ETIMEDOUT' },
        exception: {
          type: 'Error',
          message: `connect ETIMEDOUT ${p.ip()}:6379`,
          frames: ['TCPConnectWrap.afterConnect [as oncomplete] (node:net:1634:16)'],
        },
      }),
    ],
    fatal: [
      () => ({
        body: 'signing key could not be loaded, refusing to start',
        attributes: { 'error.type': 'ENOENT', 'file.path': '/etc/auth/keys/signing.pem' },
        exception: {
          type: 'Error',
          message: "ENOENT: no such file or directory, open '/etc/auth/keys/signing.pem'",
          frames: ['Object.openSync (node:fs:573:18)', 'Object.readFileSync (node:fs:452:35)'],
        },
      }),
    ],
  },
};
