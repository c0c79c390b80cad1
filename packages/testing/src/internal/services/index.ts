import { AUTH } from './auth';
import { CACHE } from './cache';
import { CHECKOUT } from './checkout';
import { DB_POOL } from './db-pool';
import { HTTP_API } from './http-api';
import { QUEUE_CONSUMER } from './queue-consumer';
import type { Service } from './service';

/** Every simulated service, in a fixed order (the order is part of a seed's output). */
export const SERVICES: ReadonlyArray<Service> = [
  HTTP_API,
  CHECKOUT,
  DB_POOL,
  QUEUE_CONSUMER,
  AUTH,
  CACHE,
];

/** Where traces start: most at the HTTP API, the rest at the queue consumer. */
export const ENTRY_SERVICES: ReadonlyArray<{ service: Service; weight: number }> = [
  { service: HTTP_API, weight: 0.7 },
  { service: QUEUE_CONSUMER, weight: 0.3 },
];

export type { RecordDraft, Service, Template } from './service';
