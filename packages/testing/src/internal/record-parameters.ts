import { Prng } from './prng';

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'okhttp/4.12.0',
  'Go-http-client/2.0',
  'curl/8.5.0',
  'shop-ios/7.14.2 (build 9121; iOS 18.1)',
  'kube-probe/1.31',
];

const SKUS = ['SKU-10442', 'SKU-20917', 'SKU-31008', 'SKU-47215', 'SKU-58830', 'SKU-60071'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'SEK', 'JPY'];
const PAYLOAD_KEYS = ['sku', 'qty', 'price', 'coupon', 'note', 'session', 'locale', 'ref'] as const;
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-northeast-1'];

/**
 * The realistic values templates fill in: ids of the usual shapes, addresses, latencies with a
 * long tail, user agents, amounts. Every draw goes through the generator's seeded PRNG.
 */
export class RecordParameters extends Prng {
  orderId(): string {
    return `ord_${this.base62(14)}`;
  }

  userId(): string {
    return `usr_${this.between(10_000, 2_499_999)}`;
  }

  requestId(): string {
    return `req-${this.hex(6)}`;
  }

  email(): string {
    return `${this.pick(['anna', 'jonas', 'li', 'maria', 'omar', 'sven', 'yuki'])}.${this.between(1, 999)}@example.com`;
  }

  /** A private (mostly) or documentation-range public IPv4 address. */
  ip(): string {
    if (this.chance(0.7)) return `10.${this.int(64)}.${this.int(256)}.${this.between(1, 254)}`;
    return `${this.pick(['192.0.2', '198.51.100', '203.0.113'])}.${this.between(1, 254)}`;
  }

  userAgent(): string {
    return this.pick(USER_AGENTS);
  }

  /** Milliseconds around `median`, with a long tail, rounded as loggers print them. */
  millis(median: number): number {
    const v = this.skewed(median);
    return v < 10 ? Math.round(v * 100) / 100 : Math.round(v);
  }

  sku(): string {
    return this.pick(SKUS);
  }

  currency(): string {
    return this.pick(CURRENCIES);
  }

  /** An amount in minor units' precision, as a string with two decimals. */
  amount(): string {
    return (Math.round(this.skewed(4900)) / 100).toFixed(2);
  }

  region(): string {
    return this.pick(REGIONS);
  }

  podName(service: string): string {
    return `${service}-${this.hex(5)}-${this.base62(5).toLowerCase()}`;
  }

  /** A Java worker thread name of the given pool. */
  javaThread(pool: 'http' | 'worker' | 'kafka'): string {
    if (pool === 'http') return `http-nio-8080-exec-${this.between(1, 200)}`;
    if (pool === 'kafka') return `kafka-consumer-orders-${this.int(12)}`;
    return `pool-${this.between(1, 4)}-thread-${this.between(1, 32)}`;
  }

  /** A JSON object of `fields` request-ish key/values: the long bodies of DEBUG dumps. */
  jsonPayload(fields: number): string {
    const out: Record<string, string | number> = {};
    for (let i = 0; i < fields; i++) {
      const k = this.pick(PAYLOAD_KEYS);
      out[`${k}_${i}`] = this.payloadValue(k);
    }
    return JSON.stringify(out);
  }

  private payloadValue(key: (typeof PAYLOAD_KEYS)[number]): string | number {
    switch (key) {
      case 'qty':
        return this.between(1, 9);
      case 'price':
        return this.amount();
      case 'session':
        return this.uuid();
      case 'locale':
        return this.pick(['de-DE', 'en-GB', 'en-US', 'ja-JP', 'sv-SE']);
      default:
        return this.base62(this.between(6, 24));
    }
  }
}
